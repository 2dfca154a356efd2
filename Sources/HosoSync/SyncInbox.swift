import Foundation
import HosoCore
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HosoError.Code {
    /// A peer's files waiting for the revision that names them take more room than allowed.
    public static let syncInboxFull = Self("SYNC_INBOX_FULL", .tooLarge)
}

/// Files a peer sent over HTTP before the revision that names them (a sync cuts a ledger's scans into batches that
/// each commit on arrival): kept aside, outside the store, in `sync/inbox/<node>/`, as staged object files. They
/// enter the store only with a revision from that peer that names them; until then the archive does not hold them
/// (fsck, listings and the index never see them). Files nothing names within `maxAge` are removed.
/// On the hub the inbox is in the application server's own folder: a peer's batches that belong together go to the
/// same server (a sync runs against one URL).
package struct SyncInbox: Sendable {
    package let dir: String
    /// Room for one peer's waiting files: a ledger's scans several times over.
    package static let budget: UInt64 = 2 << 30
    /// How long a file may wait for its revision (an interrupted sync resumes well within this).
    package static let maxAge: TimeInterval = 14 * 86_400

    package init(archiveRoot: String, node: String) { dir = archiveRoot + "/sync/inbox/" + node }

    package func path(_ id: ObjectID) -> String { dir + "/" + id.hex }

    package func contains(_ id: ObjectID) -> Bool { access(path(id), F_OK) == 0 }

    /// Keeps staged files aside (renamed, so nothing is copied), within the budget, and syncs the folder.
    package func keep(_ staged: [StagedObject]) throws {
        guard !staged.isEmpty else { return }
        let action = LocalizedText(vi: "giữ tệp chờ bản ghi", en: "keeping a file until its revision comes")
        var used = usage().bytes
        for s in staged {
            used += s.object.storedSize
            guard used <= Self.budget else {
                throw HosoError(
                    .syncInboxFull,
                    .both(
                        "Quá nhiều tệp gửi đến chưa có bản ghi nào nêu tên; không nhận lô này",
                        "Too many files arrived that no revision names yet; this batch was not accepted"), location: dir)
            }
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for s in staged where rename(s.tempPath, path(s.object.id)) != 0 {
            throw HosoError.fromErrno(errno, path: path(s.object.id), action: action)
        }
        try fsyncDirectory(dir)
    }

    /// The waiting files among `ids`, as staged objects ready for the store to commit: the file store moves them in,
    /// the hub's sends them to its database (both take a staged object as a file in the object format).
    package func take(_ ids: some Sequence<ObjectID>) -> [StagedObject] {
        // Only the header is read, by path: the reader's own folder is never used.
        let reader = ObjectStore(root: dir)
        return ids.compactMap { id in
            guard contains(id), let (h, _, fileSize) = try? reader.readHeader(atPath: path(id)) else { return nil }
            let object = StoredObject(id: id, kind: h.kind, encoding: h.encoding, size: h.size, storedSize: fileSize)
            return StagedObject(object: object, tempPath: path(id))
        }
    }

    /// Removes files that waited longer than `maxAge`.
    package func prune(now: Date) {
        for (name, modified, _) in entries() where now.timeIntervalSince(modified) > Self.maxAge { unlink(dir + "/" + name) }
    }

    private func usage() -> (files: Int, bytes: UInt64) {
        let e = entries()
        return (e.count, e.reduce(0) { $0 + $1.size })
    }

    private func entries() -> [(name: String, modified: Date, size: UInt64)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.compactMap { name in
            var st = stat()
            guard stat(dir + "/" + name, &st) == 0 else { return nil }
            return (name, Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec)), UInt64(st.st_size))
        }
    }
}
