/// Where proofs get their hashes: the perfect subtrees of the log (a subtree of 2^level leaves starting at
/// leaf index·2^level). A stored log answers each with one read, so a proof costs O(log n) reads.
public protocol SubtreeSource {
    /// The hash of the perfect subtree at `level` and `index` (level 0: the leaf hashes).
    func subtree(level: Int, index: UInt64) throws -> LogHash
}

/// RFC 9162 §2.1: the Merkle Tree Hash, inclusion proofs and consistency proofs, computed from a `SubtreeSource`.
public enum Merkle {
    /// The largest power of two strictly below `n` (n ≥ 2): where MTH splits a list of n leaves.
    public static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// MTH of the leaves [lo, hi). Every range the RFC's recursion visits starts at a multiple of a power of two at
    /// least its size, so its left part is always one stored perfect subtree.
    public static func hash(_ lo: UInt64, _ hi: UInt64, source: some SubtreeSource, hasher: TreeHasher) throws -> LogHash {
        let n = hi - lo
        if n == 0 { return .emptyTree }
        if n & (n - 1) == 0 {
            let level = n.trailingZeroBitCount
            return try source.subtree(level: level, index: lo >> level)
        }
        let k = split(n)
        let left = try hash(lo, lo + k, source: source, hasher: hasher)
        let right = try hash(lo + k, hi, source: source, hasher: hasher)
        return hasher.node(left, right)
    }

    /// The root of the first `size` leaves.
    public static func root(size: UInt64, source: some SubtreeSource, hasher: TreeHasher) throws -> LogHash {
        try hash(0, size, source: source, hasher: hasher)
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1), leaf side first.
    public static func inclusionProof(index: UInt64, size: UInt64, source: some SubtreeSource, hasher: TreeHasher) throws -> [LogHash] {
        precondition(index < size)
        var path = [LogHash]()
        // The recursion PATH(m, D[lo:hi]) unrolled from the root down; each step's sibling goes to the front.
        var lo: UInt64 = 0
        var hi = size
        var m = index
        while hi - lo > 1 {
            let k = split(hi - lo)
            if m < k {
                path.append(try hash(lo + k, hi, source: source, hasher: hasher))
                hi = lo + k
            } else {
                path.append(try hash(lo, lo + k, source: source, hasher: hasher))
                lo += k
                m -= k
            }
        }
        return path.reversed()
    }

    /// The consistency proof between the trees of the first `old` and `new` leaves (RFC 9162 §2.1.4.1);
    /// empty when old is 0 or old == new.
    public static func consistencyProof(old: UInt64, new: UInt64, source: some SubtreeSource, hasher: TreeHasher) throws -> [LogHash] {
        precondition(old <= new)
        guard old > 0, old < new else { return [] }
        var proof = [LogHash]()
        // SUBPROOF(m, D[lo:hi], b) unrolled: the siblings collected root-down, then reversed.
        var lo: UInt64 = 0
        var hi = new
        var m = old
        var complete = true
        while m != hi - lo {
            let k = split(hi - lo)
            if m <= k {
                proof.append(try hash(lo + k, hi, source: source, hasher: hasher))
                hi = lo + k
            } else {
                proof.append(try hash(lo, lo + k, source: source, hasher: hasher))
                lo += k
                m -= k
                complete = false
            }
        }
        if !complete { proof.append(try hash(lo, hi, source: source, hasher: hasher)) }
        return proof.reversed()
    }
}
