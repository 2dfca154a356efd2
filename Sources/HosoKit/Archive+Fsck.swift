import HosoCore
import HosoIndex
import HosoStore

extension Archive {
    /// Re-hashes every object file and checks the graph between them. Reports corrupt (content or header),
    /// truncated, malformed, unreadable, misplaced and stray files; objects that something names but the store
    /// lacks (a manifest's files, a revision's parents, a ledger's page scans, a copy's PDF, a request's issued
    /// documents, a signature's revision, an object the index lists); records that a record names but the store
    /// lacks (an appendix's or revocation's ledger); objects whose kind the index knows otherwise; and whether the
    /// index matches the store. Read-only: it repairs nothing.
    /// The transparency log is checked too (`verifyLog`): its first damage is reported as a problem "log".
    public func fsck(progress: (@Sendable (FsckProgress) -> Void)? = nil) throws -> FsckReport {
        var report = try FsckRun(store: store, files: files) { id, der in
            try Archive.signatureRow(id: id, der: der, source: id.hex).revisionId
        }
        .run(index: index, progress: progress)
        if let damage = try logDamage() {
            report.damaged.append(damage)
            report.ok = false
        }
        return report
    }
}

extension Archive {
    /// The log's first damage as an fsck problem; nil when `verifyLog` passes. Only damage is reported so: a disk
    /// error is thrown as it is.
    func logDamage() throws -> ObjectDamage? {
        do {
            _ = try verifyLog()
            return nil
        } catch let e as HosoError where e.category == .damage {
            return ObjectDamage(path: e.location ?? "log", problem: "log", detail: "[\(e.code)] " + e.message.text(.en))
        }
    }
}
