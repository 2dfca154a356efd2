import HosoIndex
import HosoStore

extension Archive {
    /// Re-hashes every object file and checks the graph between them. Reports corrupt (content or header),
    /// truncated, malformed, unreadable, misplaced and stray files; objects that something names but the store
    /// lacks (a manifest's files, a revision's parents, a ledger's page scans, a copy's PDF, a request's issued
    /// documents, a signature's revision, an object the index lists); records that a record names but the store
    /// lacks (an appendix's or revocation's ledger); objects whose kind the index knows otherwise; and whether the
    /// index matches the store. Read-only: it repairs nothing.
    public func fsck(progress: (@Sendable (FsckProgress) -> Void)? = nil) throws -> FsckReport {
        try FsckRun(store: store) { id, der in try Archive.signatureRow(id: id, der: der, source: id.hex).revisionId }
            .run(index: index, progress: progress)
    }
}
