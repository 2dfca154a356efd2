import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoSync

@Suite struct TarTests {
    func roundTrip(_ files: [(String, [UInt8])]) throws -> [(String, [UInt8])] {
        let sink = MemorySink()
        let w = TarWriter(sink: sink, mtime: 1_700_000_000)
        for (p, b) in files { try w.add(path: p, bytes: b) }
        try w.finish()
        #expect(sink.bytes.count % 512 == 0)
        let r = TarReader(source: MemorySource(sink.bytes), maxMemberSize: 1 << 20)
        var out = [(String, [UInt8])]()
        while let e = try r.next() { out.append((e.path, try r.readBody())) }
        return out
    }

    @Test func writesAndReadsLongNamesAndOddSizes() throws {
        let long = "hoso-bundle-0123456789ab-12/data/record/" + String(repeating: "f", count: 64)
        let files = [("a/b.txt", Array("xin chào".utf8)), (long, [UInt8](repeating: 7, count: 513)), ("a/empty", [])]
        let back = try roundTrip(files)
        #expect(back.map(\.0) == files.map(\.0))
        #expect(back.map(\.1) == files.map(\.1))
    }

    @Test func gnuTarReadsWhatWeWrite() throws {
        let tmp = TempDirectory("tar")
        let dir = tmp.path
        let sink = MemorySink()
        let w = TarWriter(sink: sink, mtime: 0)
        let long = "bag/data/blob/" + String(repeating: "e", count: 64)
        try w.addDirectory(path: "bag/data/")
        try w.add(path: long, bytes: [1, 2, 3])
        try w.finish()
        try Data(sink.bytes).write(to: URL(fileURLWithPath: dir + "/t.tar"))
        let r = try runProgram("/bin/tar", ["-xf", "t.tar"], in: dir)
        #expect(r.status == 0, "\(r)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + long)) == Data([1, 2, 3]))
    }

    @Test(arguments: ["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b"])
    func unsafePathsAreRefused(_ path: String) throws {
        #expect(throws: HosoError(.tarUnsafePath, .both("", ""))) { try TarReader.checkPath(path) }
    }

    @Test func badChecksumTruncationAndHugeMembersAreRefused() throws {
        let sink = MemorySink()
        let w = TarWriter(sink: sink, mtime: 0)
        try w.add(path: "a", bytes: [UInt8](repeating: 1, count: 2000))
        try w.finish()
        var bad = sink.bytes
        bad[0] ^= 1
        #expect(throws: HosoError(.tarMalformed, .both("", ""))) {
            _ = try TarReader(source: MemorySource(bad), maxMemberSize: 1 << 20).next()
        }
        let cut = Array(sink.bytes[0..<1024])
        #expect(throws: HosoError(.tarMalformed, .both("", ""))) {
            let r = TarReader(source: MemorySource(cut), maxMemberSize: 1 << 20)
            _ = try r.next()
            _ = try r.readBody()
        }
        #expect(throws: HosoError(.bundleTooLarge, .both("", ""))) {
            _ = try TarReader(source: MemorySource(sink.bytes), maxMemberSize: 1000).next()
        }
    }

    @Test func gzipRoundTripAndBombBound() throws {
        let mem = MemorySink()
        let gz = try GzipSink(mem)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<16 { try gz.writeBytes(zeros) }
        try gz.finish()
        #expect(mem.bytes.count < 1 << 20)
        // Within the bound it inflates to exactly what went in; past it, it stops with BUNDLE_TOO_LARGE.
        let ok = BoundedInflatingSource(MemorySource(mem.bytes), limit: 16 << 20)
        var total = 0
        var buf = [UInt8](repeating: 1, count: 1 << 16)
        while true {
            let n = try buf.withUnsafeMutableBytes { try ok.read(into: $0) }
            if n == 0 { break }
            if total == 0 { #expect(buf[0..<n].allSatisfy { $0 == 0 }) }
            total += n
        }
        #expect(total == 16 << 20 && ok.isGzip)
        let bomb = BoundedInflatingSource(MemorySource(mem.bytes), limit: 4 << 20)
        #expect(throws: HosoError(.bundleTooLarge, .both("", ""))) {
            while try buf.withUnsafeMutableBytes({ try bomb.read(into: $0) }) > 0 {}
        }
        // Plain bytes pass through unchanged.
        let plain = BoundedInflatingSource(MemorySource([1, 2, 3]), limit: 10)
        #expect(try buf.withUnsafeMutableBytes { try plain.read(into: $0) } >= 1)
    }

    @Test func gzipLevelChangesMidStreamStillInflateToTheInput() throws {
        let text = Array(String(repeating: "Sổ điểm lớp 9A, học kì I. ", count: 4000).utf8)
        func gzip(_ levels: [Int32]) throws -> [UInt8] {
            let mem = MemorySink()
            let gz = try GzipSink(mem)
            for l in levels {
                try gz.setLevel(l)
                try gz.writeBytes(text)
            }
            try gz.finish()
            return mem.bytes
        }
        let mixed = try gzip([1, 0, 1, 0])
        let back = BoundedInflatingSource(MemorySource(mixed), limit: 1 << 30)
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buf.withUnsafeMutableBytes { try back.read(into: $0) }
            if n == 0 { break }
            out += buf[0..<n]
        }
        #expect(out == text + text + text + text)
        // Level 0 stores: the stored halves are about the text's size, the compressed ones far smaller.
        let compressed = try gzip([1, 1, 1, 1])
        #expect(mixed.count > 2 * text.count && compressed.count < text.count / 4)
    }
}

/// How a sync cuts what it pushes into batches.
@Suite struct SyncBatchTests {
    /// Items as (name, size); a group ends at each upper-case name (a revision after its lower-case files).
    func cut(_ items: [(String, UInt64)], bytes: UInt64) -> [String] {
        batches(items, bytes: bytes, size: \.1, endsGroup: { $0.0.uppercased() == $0.0 }).map { $0.map(\.0).joined() }
    }

    @Test func aRevisionTravelsWithTheFilesItNamesUnlessTheyCannotFitTogether() {
        // By size alone, 10-byte batches would cut "ab|C" after b; whole groups go on instead.
        #expect(cut([("a", 4), ("b", 4), ("C", 1), ("d", 4), ("E", 1), ("F", 1)], bytes: 10) == ["abC", "dEF"])
        // A group larger than a batch goes in batches of its own, cut by size; the next group starts a new one.
        #expect(cut([("G", 2), ("a", 6), ("b", 6), ("C", 1), ("D", 1)], bytes: 10) == ["G", "a", "bC", "D"])
        // Files at the end with no revision after them are a group too; an item larger than a batch goes alone.
        #expect(cut([("A", 3), ("b", 30), ("c", 2)], bytes: 10) == ["A", "b", "c"])
        #expect(cut([], bytes: 10).isEmpty)
        // Every item once, in order, whatever the sizes.
        var random = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let items = (0..<random.int(40)).map { i in (random.int(3) == 0 ? "X\(i)" : "f\(i)", UInt64(1 + random.int(12))) }
            let got = batches(items, bytes: 16, size: \.1, endsGroup: { $0.0.hasPrefix("X") })
            #expect(got.flatMap { $0.map(\.0) } == items.map(\.0))
            #expect(got.allSatisfy { !$0.isEmpty })
        }
    }
}
