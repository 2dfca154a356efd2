import HosoLog
import Testing

/// Every single-bit change of a proof, a root, a size or an index makes the check fail. The size is checked as it is
/// used: read from a signed checkpoint (an audit path alone accepts some other sizes of the same right-edge shape).
@Suite struct TamperTests {
    static let data = randomLeaves(17, seed: 42)
    static let source = MemorySource(data: data)
    static let key = TestKey()

    /// A signed checkpoint of (size, root), and the same note with a bit of the size flipped and the signature kept.
    static func notes(size: UInt64, root: LogHash, flip: UInt64) throws -> (good: [UInt8], forged: [UInt8]) {
        let good = try Checkpoint(origin: "o", size: size, root: root).signed(by: key)
        let signature = good.suffix(from: Checkpoint(origin: "o", size: size, root: root).text.count)
        return (good, Checkpoint(origin: "o", size: size ^ flip, root: root).text + signature)
    }

    @Test func inclusionProofsRejectEveryFlippedBit() throws {
        let h = TreeHasher()
        for n in 1...UInt64(Self.data.count) {
            let root = try Merkle.root(size: n, source: Self.source, hasher: h)
            for m in 0..<n {
                let leaf = h.leaf(Self.data[Int(m)])
                let proof = try Merkle.inclusionProof(index: m, size: n, source: Self.source, hasher: h)
                #expect(ProofCheck.inclusion(leaf: leaf, index: m, size: n, proof: proof, root: root, hasher: h))
                for bit in 0..<256 {
                    #expect(!ProofCheck.inclusion(leaf: leaf, index: m, size: n, proof: proof, root: root.flipping(bit: bit), hasher: h))
                    #expect(!ProofCheck.inclusion(leaf: leaf.flipping(bit: bit), index: m, size: n, proof: proof, root: root, hasher: h))
                    for j in proof.indices {
                        var bad = proof
                        bad[j] = bad[j].flipping(bit: bit)
                        #expect(!ProofCheck.inclusion(leaf: leaf, index: m, size: n, proof: bad, root: root, hasher: h))
                    }
                }
                for bit in 0..<64 {
                    let flip = UInt64(1) << bit
                    #expect(!ProofCheck.inclusion(leaf: leaf, index: m ^ flip, size: n, proof: proof, root: root, hasher: h))
                    let (good, forged) = try Self.notes(size: n, root: root, flip: flip)
                    #expect(ProofCheck.inclusion(leaf: leaf, index: m, proof: proof, checkpoint: good, verifier: Self.key))
                    #expect(!ProofCheck.inclusion(leaf: leaf, index: m, proof: proof, checkpoint: forged, verifier: Self.key))
                }
                #expect(!ProofCheck.inclusion(leaf: leaf, index: m, size: n, proof: proof + [root], root: root, hasher: h))
                if !proof.isEmpty {
                    #expect(!ProofCheck.inclusion(leaf: leaf, index: m, size: n, proof: Array(proof.dropLast()), root: root, hasher: h))
                }
            }
        }
    }

    @Test func consistencyProofsRejectEveryFlippedBit() throws {
        let h = TreeHasher()
        for n in 1...UInt64(Self.data.count) {
            let newRoot = try Merkle.root(size: n, source: Self.source, hasher: h)
            for m in 1..<n {
                let oldRoot = try Merkle.root(size: m, source: Self.source, hasher: h)
                let proof = try Merkle.consistencyProof(old: m, new: n, source: Self.source, hasher: h)
                func check(_ m: UInt64, _ r1: LogHash, _ n: UInt64, _ r2: LogHash, _ p: [LogHash]) -> Bool {
                    ProofCheck.consistency(oldSize: m, oldRoot: r1, newSize: n, newRoot: r2, proof: p, hasher: h)
                }
                #expect(check(m, oldRoot, n, newRoot, proof))
                for bit in 0..<256 {
                    #expect(!check(m, oldRoot.flipping(bit: bit), n, newRoot, proof))
                    #expect(!check(m, oldRoot, n, newRoot.flipping(bit: bit), proof))
                    for j in proof.indices {
                        var bad = proof
                        bad[j] = bad[j].flipping(bit: bit)
                        #expect(!check(m, oldRoot, n, newRoot, bad))
                    }
                }
                for bit in 0..<64 {
                    let flip = UInt64(1) << bit
                    #expect(!check(m ^ flip, oldRoot, n, newRoot, proof))
                    let old = try Self.notes(size: m, root: oldRoot, flip: 0).good
                    let (good, forged) = try Self.notes(size: n, root: newRoot, flip: flip)
                    #expect(ProofCheck.consistency(old: old, new: good, proof: proof, verifier: Self.key))
                    #expect(!ProofCheck.consistency(old: old, new: forged, proof: proof, verifier: Self.key))
                }
                #expect(!check(m, oldRoot, n, newRoot, []))
                #expect(!check(m, newRoot, n, oldRoot, proof))
                #expect(!check(m, oldRoot, n, newRoot, proof + [newRoot]))
            }
        }
    }
}
