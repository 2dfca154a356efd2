import Foundation
import GRDB
import HosoStore

/// One stored signature object as the index knows it. Several objects can hold the same signature
/// (the signer's original and a copy with a timestamp added later): they share `signatureKey`.
package struct SignatureRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "signature"
    package var id: String
    /// The revision signed (the CMS messageDigest: a revision's id is the SHA-256 of its canonical bytes).
    package var revisionId: String
    /// SHA-256 of the signature value: the same for every object that carries this signature.
    package var signatureKey: String
    package var signer: String
    package var role: String?
    package var signingTime: String?
    package var timestamped: Bool

    package init(
        id: String, revisionId: String, signatureKey: String, signer: String, role: String?, signingTime: String?,
        timestamped: Bool
    ) {
        self.id = id
        self.revisionId = revisionId
        self.signatureKey = signatureKey
        self.signer = signer
        self.role = role
        self.signingTime = signingTime
        self.timestamped = timestamped
    }
}

extension ArchiveIndex {
    static func registerSignatureMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("0005-signatures") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signature (
                        id TEXT PRIMARY KEY NOT NULL,
                        revisionId TEXT NOT NULL,
                        signatureKey TEXT NOT NULL,
                        signer TEXT NOT NULL,
                        role TEXT,
                        signingTime TEXT,
                        timestamped INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX signature_revision ON signature(revisionId);
                    CREATE INDEX signature_key ON signature(signatureKey);
                    """)
        }
    }

    package func record(signatures: [SignatureRow], objects: [StoredObject]) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            for s in signatures { try s.insert(db, onConflict: .ignore) }
        }
    }

    package func signatures(ofRevision revisionId: String) throws -> [SignatureRow] {
        try read { db in
            try SignatureRow.filter(Column("revisionId") == revisionId).order(Column("signingTime"), Column("id")).fetchAll(db)
        }
    }

    package func signatures() throws -> [SignatureRow] {
        try read { db in try SignatureRow.order(Column("signingTime"), Column("id")).fetchAll(db) }
    }
}
