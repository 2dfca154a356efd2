import HosoCore

/// What a whole-log verification found (it throws at the first damage instead).
public struct LogVerification: Sendable {
    public var size: UInt64
    public var root: LogHash
    /// Checkpoints whose signature, chain and root were checked.
    public var checkpoints: Int
    /// The newest checkpoint, parsed.
    public var latest: Checkpoint?
}

extension LogStore {
    /// Recomputes the whole log from its entries: every leaf hash, every stored node (in the file's own order), the root,
    /// and every stored checkpoint (signature by `verifier`, the chain of "prev" lines, its root against the recomputed
    /// tree at its size). `entry` sees each entry's bytes (an archive checks them against its objects). Throws at the first
    /// damage, naming the entry or file; reads everything sequentially.
    public func verifyAll(
        verifier: NoteVerifier?, entry: (UInt64, [UInt8]) throws -> Void = { _, _ in }
    ) throws -> LogVerification {
        let reader = try reader()
        let snapshot = reader.snapshot
        let checkpoints = try checkedCheckpoints(snapshot, verifier: verifier, logSize: reader.size)
        if reader.head.checkpoint > 0 && !checkpoints.contains(where: { $0.size == reader.head.checkpoint }) {
            throw HosoError(
                .logCheckpointInvalid,
                .both(
                    "Thiếu điểm kiểm \(reader.head.checkpoint) mà đầu nhật ký ghi nhận (đã bị xóa?)",
                    "Checkpoint \(reader.head.checkpoint), which the log head records, is missing (deleted?)"),
                location: snapshot.checkpointLocation(reader.head.checkpoint))
        }
        var wanted = checkpoints.makeIterator()
        var next = wanted.next()
        let hasher = TreeHasher()
        var range = CompactRange(size: 0, peaks: [])
        let scan = try snapshot.scanner()
        var treeBad = false
        while let cp = next, cp.size == 0 {
            guard cp.root == .emptyTree else { throw rootMismatch(cp, snapshot) }
            next = wanted.next()
        }
        for i in 0..<reader.size {
            let bytes = try scan.nextEntry(i)
            try entry(i, bytes)
            range.append(hasher.leaf(bytes), hasher: hasher) { h in
                if let stored = try? scan.nextRecord(), stored == h { return }
                treeBad = true
            }
            if treeBad {
                throw HosoError(
                    .logCorrupt,
                    .both("Mục \(i): băm trong cây không khớp với nội dung mục", "Entry \(i): the tree's hash does not match the entry"),
                    location: "entry \(i)")
            }
            while let cp = next, cp.size == i + 1 {
                guard range.root(hasher: hasher) == cp.root else { throw rootMismatch(cp, snapshot) }
                next = wanted.next()
            }
        }
        return LogVerification(
            size: reader.size, root: range.root(hasher: hasher), checkpoints: checkpoints.count, latest: checkpoints.last)
    }

    private func rootMismatch(_ cp: Checkpoint, _ snapshot: any LogSnapshot) -> HosoError {
        HosoError(
            .logCheckpointInvalid,
            .both(
                "Điểm kiểm \(cp.size): gốc đã ký khác gốc tính lại từ nhật ký",
                "Checkpoint \(cp.size): the signed root differs from the root recomputed from the log"),
            location: snapshot.checkpointLocation(cp.size))
    }

    /// Every stored checkpoint parsed and verified, ascending, with the chain between them checked.
    func checkedCheckpoints(_ cps: any LogCheckpoints, verifier: NoteVerifier?, logSize: UInt64) throws -> [Checkpoint] {
        var out = [Checkpoint]()
        var previous: StoredCheckpoint?
        for size in try cps.checkpointSizes() {
            let stored = try cps.checkpoint(size: size)
            let cp = try Checkpoint.parse(stored.note, verifier: verifier, location: stored.path)
            func bad(_ vi: String, _ en: String) -> HosoError { HosoError(.logCheckpointInvalid, .both(vi, en), location: stored.path) }
            guard cp.size == size else {
                throw bad("Tên tệp điểm kiểm khác kích thước bên trong", "The checkpoint's file name differs from its size")
            }
            guard size <= logSize else {
                throw HosoError(
                    .logTruncated,
                    .both(
                        "Điểm kiểm đã ký \(size) mục nhưng nhật ký chỉ còn \(logSize)",
                        "A checkpoint signed \(size) entries but the log has only \(logSize)"), location: stored.path)
            }
            let expected = previous.map { Self.chainLine(previous: $0) }
            guard cp.extensionValue("prev").map({ "prev " + $0 }) == expected else {
                throw bad(
                    "Chuỗi điểm kiểm bị đứt (một điểm kiểm trước đó bị xóa hoặc thay)",
                    "The checkpoint chain is broken (an earlier checkpoint was removed or replaced)")
            }
            out.append(cp)
            previous = stored
        }
        return out
    }
}

/// Reads a file front to back in large blocks, never past `limit`.
struct SequentialReader {
    let file: LogFile?
    let limit: UInt64
    private(set) var position: UInt64 = 0
    private var buffer = [UInt8]()
    private var offset = 0
    static let block = 4 << 20

    init(file: LogFile?, limit: UInt64) {
        self.file = file
        self.limit = limit
    }

    mutating func take(_ n: Int) throws -> [UInt8] {
        if buffer.count - offset < n { try refill(atLeast: n) }
        let out = Array(buffer[offset..<(offset + n)])
        offset += n
        position += UInt64(n)
        return out
    }

    mutating func u64() throws -> UInt64 {
        if buffer.count - offset < 8 { try refill(atLeast: 8) }
        var v: UInt64 = 0
        withUnsafeMutableBytes(of: &v) { dst in
            buffer.withUnsafeBytes { dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + 8)])) }
        }
        offset += 8
        position += 8
        return UInt64(littleEndian: v)
    }

    mutating func hash() throws -> LogHash {
        if buffer.count - offset < 32 { try refill(atLeast: 32) }
        let h = buffer.withUnsafeBytes { LogHash(raw: $0.baseAddress! + offset) }
        offset += 32
        position += 32
        return h
    }

    private mutating func refill(atLeast n: Int) throws {
        guard let file, position + UInt64(n) <= limit else {
            throw HosoError(.logTruncated, .both("Tệp nhật ký kết thúc sớm", "A log file ends early"), location: file?.path)
        }
        let want = Int(min(UInt64(max(n, Self.block)), limit - position))
        buffer = Array(buffer[offset...])
        let have = buffer.count
        buffer += [UInt8](repeating: 0, count: want - have)
        try buffer.withUnsafeMutableBytes {
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[have...]), at: position + UInt64(have))
        }
        offset = 0
    }
}
