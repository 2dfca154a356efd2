import HosoLog
import HosoPrimitives
import HosoTestSupport
import Testing

/// An independent model: the RFC 9162 definitions applied literally to a list, with the one-shot SHA-256 (not the
/// code under test's hasher), recursion and slices.
enum Naive {
    static func leaf(_ d: [UInt8]) -> [UInt8] { SHA256.hash([0] + d) }
    static func node(_ l: [UInt8], _ r: [UInt8]) -> [UInt8] { SHA256.hash([1] + l + r) }
    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }
    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
        if d.isEmpty { return SHA256.hash([UInt8]()) }
        if d.count == 1 { return leaf(d.first!) }
        let k = k(d.count)
        return node(mth(d.prefix(k)), mth(d.dropFirst(k)))
    }
    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if d.count <= 1 { return [] }
        let k = k(d.count)
        return m < k ? path(m, d.prefix(k)) + [mth(d.dropFirst(k))] : path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }
    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == d.count { return b ? [] : [mth(d)] }
        let k = k(d.count)
        return m <= k
            ? subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] : subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }
}

/// The tree of a list in memory, as a `SubtreeSource` (level-l hashes computed from the naive model).
struct MemorySource: SubtreeSource {
    let data: [[UInt8]]
    func subtree(level: Int, index: UInt64) throws -> LogHash {
        let lo = Int(index) << level
        return LogHash(Naive.mth(data[lo..<(lo + (1 << level))]))!
    }
}

func randomLeaves(_ n: Int, seed: UInt64) -> [[UInt8]] {
    var g = SplitMix64(seed: seed)
    return (0..<n).map { _ in (0..<Int(g.next() % 40)).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
}

@Suite struct MerkleTests {
    // RFC 6962 / 9162 test data of the Certificate Transparency reference implementation: eight leaves, the root of
    // every prefix, and published audit paths and consistency proofs.
    static let vectorLeaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { Hex.decode($0)! }
    static let vectorRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    /// (0-based leaf index, tree size, audit path).
    static let vectorPaths: [(UInt64, UInt64, [String])] = [
        (0, 1, []),
        (
            0, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            5, 8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            1, 5,
            [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]
    /// (old size, new size, proof).
    static let vectorConsistency: [(UInt64, UInt64, [String])] = [
        (1, 1, []),
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
        (
            6, 7,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ]

    @Test func publishedRootsAndProofs() throws {
        let source = MemorySource(data: Self.vectorLeaves)
        let hasher = TreeHasher()
        #expect(try Merkle.root(size: 0, source: source, hasher: hasher) == .emptyTree)
        for n in 1...8 {
            #expect(try Merkle.root(size: UInt64(n), source: source, hasher: hasher).hex == Self.vectorRoots[n - 1])
        }
        for (i, n, path) in Self.vectorPaths {
            let proof = try Merkle.inclusionProof(index: i, size: n, source: source, hasher: hasher)
            #expect(proof.map(\.hex) == path)
            let root = LogHash(hex: Self.vectorRoots[Int(n) - 1])!
            #expect(ProofCheck.inclusion(leaf: hasher.leaf(Self.vectorLeaves[Int(i)]), index: i, size: n, proof: proof, root: root))
        }
        for (m, n, want) in Self.vectorConsistency {
            let proof = try Merkle.consistencyProof(old: m, new: n, source: source, hasher: hasher)
            #expect(proof.map(\.hex) == want)
            let r1 = LogHash(hex: Self.vectorRoots[Int(m) - 1])!
            let r2 = LogHash(hex: Self.vectorRoots[Int(n) - 1])!
            #expect(ProofCheck.consistency(oldSize: m, oldRoot: r1, newSize: n, newRoot: r2, proof: proof))
        }
    }

    @Test func splitIsTheLargestPowerOfTwoBelow() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1024, 512), (1025, 1024)] {
            #expect(Merkle.split(UInt64(n)) == UInt64(k))
        }
    }

    /// Every size 1…70, every index and every old size: the same hashes as the naive recursion, and they verify.
    @Test(arguments: [UInt64(1), 2, 3])
    func agreesWithTheNaiveDefinition(seed: UInt64) throws {
        let data = randomLeaves(70, seed: seed)
        let source = MemorySource(data: data)
        let hasher = TreeHasher()
        for n in 1...data.count {
            let d = data[0..<n]
            let root = try Merkle.root(size: UInt64(n), source: source, hasher: hasher)
            #expect(root.bytes == Naive.mth(d))
            for m in 0..<n {
                let proof = try Merkle.inclusionProof(index: UInt64(m), size: UInt64(n), source: source, hasher: hasher)
                #expect(proof.map(\.bytes) == Naive.path(m, d))
                #expect(ProofCheck.inclusion(leaf: hasher.leaf(data[m]), index: UInt64(m), size: UInt64(n), proof: proof, root: root))
            }
            for m in 1...n {
                let proof = try Merkle.consistencyProof(old: UInt64(m), new: UInt64(n), source: source, hasher: hasher)
                #expect(proof.map(\.bytes) == (m == n ? [] : Naive.subproof(m, d, true)))
                let old = LogHash(Naive.mth(data[0..<m]))!
                #expect(ProofCheck.consistency(oldSize: UInt64(m), oldRoot: old, newSize: UInt64(n), newRoot: root, proof: proof))
            }
        }
    }
}
