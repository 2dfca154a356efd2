/// Where each hash lives in the `tree` file: every node in post-order, the order an append completes them. Leaf n is
/// followed by the nodes it completes (one per trailing one bit of n), so the file only ever grows at its end, and a
/// size of N leaves fixes its exact length.
public enum TreeLayout {
    /// Records in the file for a tree of `size` leaves: 2N − popcount(N).
    public static func records(forSize size: UInt64) -> UInt64 { 2 * size - UInt64(size.nonzeroBitCount) }

    /// The record number of the perfect subtree at `level`, `index` (the node is written right after its last leaf).
    public static func position(level: Int, index: UInt64) -> UInt64 {
        let last = ((index + 1) << level) - 1
        return records(forSize: last) + UInt64(level)
    }

    /// The levels of the perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first, with their
    /// indexes: the "compact range" an append extends.
    public static func peaks(ofSize size: UInt64) -> [(level: Int, index: UInt64)] {
        var out = [(level: Int, index: UInt64)]()
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (UInt64(1) << level) != 0 {
            out.append((level, start >> level))
            start += UInt64(1) << level
        }
        return out
    }
}

/// The right edge of a tree while leaves are appended: the peaks, and the records each append adds to `tree`.
struct CompactRange {
    var size: UInt64
    /// Peak hashes, largest subtree first.
    var peaks: [LogHash]

    /// Adds one leaf hash; `emit` receives the leaf and every node it completes, in file order.
    mutating func append(_ leaf: LogHash, hasher: TreeHasher, emit: (LogHash) -> Void) {
        emit(leaf)
        var h = leaf
        var n = size
        // Each trailing one bit of the old size is a full left sibling waiting for this subtree.
        while n & 1 == 1 {
            h = hasher.node(peaks.removeLast(), h)
            emit(h)
            n >>= 1
        }
        peaks.append(h)
        size += 1
    }

    /// The root: the peaks folded from the right (MTH of a non-power-of-two size).
    func root(hasher: TreeHasher) -> LogHash {
        guard var r = peaks.last else { return .emptyTree }
        for p in peaks.dropLast().reversed() { r = hasher.node(p, r) }
        return r
    }
}
