/// Proof checks by the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. They need no log: only hashes and sizes,
/// so a person holding a checkpoint can check a proof alone.
public enum ProofCheck {
    /// True when `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves whose root is `root`.
    public static func inclusion(
        leaf: LogHash, index: UInt64, size: UInt64, proof: [LogHash], root: LogHash, hasher: TreeHasher = TreeHasher()
    ) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = hasher.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = hasher.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// True when `proof` shows the tree of `oldSize` leaves (root `oldRoot`) is a prefix of the tree of `newSize`
    /// leaves (root `newRoot`).
    public static func consistency(
        oldSize: UInt64, oldRoot: LogHash, newSize: UInt64, newRoot: LogHash, proof: [LogHash],
        hasher: TreeHasher = TreeHasher()
    ) -> Bool {
        guard oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        // Every tree extends the empty one; a proof for it carries nothing.
        if oldSize == 0 { return proof.isEmpty && oldRoot == .emptyTree }
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = hasher.node(c, fr)
                sr = hasher.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = hasher.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

extension ProofCheck {
    /// Inclusion in a signed checkpoint. The audit path alone does not fix the tree's size (RFC 9162's check accepts
    /// other sizes whose right edge has the same shape, e.g. a path for leaf 0 of 5 also checks for leaf 0 of 7); the
    /// checkpoint's signature is what binds the size to the root, so a size is only ever taken from a verified one.
    public static func inclusion(
        leaf: LogHash, index: UInt64, proof: [LogHash], checkpoint note: [UInt8], verifier: NoteVerifier
    ) -> Bool {
        guard let cp = try? Checkpoint.parse(note, verifier: verifier, location: "checkpoint") else { return false }
        return inclusion(leaf: leaf, index: index, size: cp.size, proof: proof, root: cp.root)
    }

    /// Consistency between two signed checkpoints (sizes and roots taken from the verified notes).
    public static func consistency(old: [UInt8], new: [UInt8], proof: [LogHash], verifier: NoteVerifier) -> Bool {
        guard let a = try? Checkpoint.parse(old, verifier: verifier, location: "old checkpoint"),
            let b = try? Checkpoint.parse(new, verifier: verifier, location: "new checkpoint")
        else { return false }
        return consistency(oldSize: a.size, oldRoot: a.root, newSize: b.size, newRoot: b.root, proof: proof)
    }
}
