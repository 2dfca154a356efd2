// The schema files are built into the binary by SwiftPM: Sources/HosoRecords/Schemas holds links to
// Schemas/*.schema.json, embedded with `.embedInCode` (Package.swift), which generates `PackageResources`.
// A new schema needs a link there and a line here; SchemaTests fails until both are made.

/// hoso's JSON Schemas, built into the binary: file name → exact file text.
public enum EmbeddedSchemas {
    public static let files: [String: String] = [
        "archive.schema.json": text(PackageResources.archive_schema_json),
        "assignment.schema.json": text(PackageResources.assignment_schema_json),
        "bundle.schema.json": text(PackageResources.bundle_schema_json),
        "digitization.schema.json": text(PackageResources.digitization_schema_json),
        "download-code.schema.json": text(PackageResources.download_code_schema_json),
        "extract.schema.json": text(PackageResources.extract_schema_json),
        "class-summary.schema.json": text(PackageResources.class_summary_schema_json),
        "custody-transfer.schema.json": text(PackageResources.custody_transfer_schema_json),
        "school.schema.json": text(PackageResources.school_schema_json),
        "correction-request.schema.json": text(PackageResources.correction_request_schema_json),
        "grade-book.schema.json": text(PackageResources.grade_book_schema_json),
        "hoc-ba-issue.schema.json": text(PackageResources.hoc_ba_issue_schema_json),
        "import-preset.schema.json": text(PackageResources.import_preset_schema_json),
        "hoc-ba.schema.json": text(PackageResources.hoc_ba_schema_json),
        "keying-provenance.schema.json": text(PackageResources.keying_provenance_schema_json),
        "ledger-appendix.schema.json": text(PackageResources.ledger_appendix_schema_json),
        "ledger-mapping.schema.json": text(PackageResources.ledger_mapping_schema_json),
        "ledger.schema.json": text(PackageResources.ledger_schema_json),
        "manifest.schema.json": text(PackageResources.manifest_schema_json),
        "office-settings.schema.json": text(PackageResources.office_settings_schema_json),
        "paper-inventory.schema.json": text(PackageResources.paper_inventory_schema_json),
        "person.schema.json": text(PackageResources.person_schema_json),
        "request.schema.json": text(PackageResources.request_schema_json),
        "revision.schema.json": text(PackageResources.revision_schema_json),
        "revocation.schema.json": text(PackageResources.revocation_schema_json),
        "sync-peers.schema.json": text(PackageResources.sync_peers_schema_json),
        "term-lock.schema.json": text(PackageResources.term_lock_schema_json),
        "transcript.schema.json": text(PackageResources.transcript_schema_json),
        "trust-store.schema.json": text(PackageResources.trust_store_schema_json),
    ]

    /// The file's bytes as text; they are UTF-8 (CanonicalJSON refuses anything else when it parses them).
    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
