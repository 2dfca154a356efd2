import Foundation
import HosoBenchSupport
import HosoCore
import HosoKit
import HosoRecords
import HosoStore

// Synthetic data for tools/bench-sync, made in-process (10,000 `hoso record new` runs would take the benchmark's
// whole budget). Writes the same data into an archive and, as plain files, into a tree that git and rsync sync.
//
//   hoso-bench-sync gen    ARCHIVE TREE RECORDS SCANS SCAN_BYTES SEED
//   hoso-bench-sync change ARCHIVE TREE FRACTION SCANS SEED
// Prints one JSON line: what was written (objects and bytes), so the benchmark knows the size of the change.

struct Rng {
    var x: UInt64
    mutating func next() -> UInt64 {
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        return x
    }
    mutating func bytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        var i = 0
        while i < n {
            var v = next()
            for _ in 0..<8 where i < n {
                out[i] = UInt8(truncatingIfNeeded: v)
                v >>= 8
                i += 1
            }
        }
        return out
    }
}

let names = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Minh", "Phạm Thu Hà", "Hoàng Đức Thắng", "Vũ Thị Lan", "Đỗ Quang Huy"]

func body(_ i: Int, _ version: Int, _ rng: inout Rng) -> JSONValue {
    let marks = (0..<12).map { _ in JSONValue.number(Double(rng.next() % 101) / 10) }
    return .object([
        JSONMember("student", .string(names[i % names.count] + " \(i)")), JSONMember("class", .string("9A\(i % 7)")),
        JSONMember("version", .number(Double(version))), JSONMember("marks", .array(marks)),
        JSONMember("comment", .string(String(repeating: "Học sinh chăm chỉ, tiến bộ rõ rệt. ", count: 20 + i % 10))),
    ])
}

func write(_ bytes: [UInt8], _ path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

struct Written: Encodable {
    var objects = 0
    var bytes: UInt64 = 0
    var seconds = 0.0
}

let args = CommandLine.arguments
guard args.count >= 2 else {
    warn("usage: see the header of main.swift", tool: "hoso-bench-sync")
    exit(2)
}
let start = now()
var out = Written()
do {
    let archive = try Archive.open(at: args[2])
    let tree = args[3]
    func put(_ id: String, _ value: JSONValue, parent: Bool, reason: String?) throws {
        let rid =
            parent
            ? try archive.revise(record: id, body: value, author: "bench", reason: reason ?? "")
            : try archive.createRecord(type: "note", id: id, body: value, author: "bench")
        let bytes = try archive.read(rid)
        out.objects += 1
        out.bytes += UInt64(bytes.count)
        try write(Array(try CanonicalJSON.serialize(value)), tree + "/" + id + ".json")
    }
    func scan(_ n: Int, _ size: Int, _ rng: inout Rng) throws -> String {
        let bytes = rng.bytes(size)
        let (o, _) = try archive.store.put(bytes, kind: .blob)
        try archive.index.record(objects: [o])
        try write(bytes, tree + "/scans/\(n).bin")
        out.objects += 1
        out.bytes += UInt64(bytes.count)
        return o.id.hex
    }
    switch args[1] {
    case "gen":
        let (records, scans, scanBytes) = (Int(args[4])!, Int(args[5])!, Int(args[6])!)
        var rng = Rng(x: UInt64(args[7])! | 1)
        for n in 0..<scans {
            let id = try scan(n, scanBytes, &rng)
            try put(
                "bench/scan-\(n)", .object([JSONMember("page", .string(id)), JSONMember("n", .number(Double(n)))]), parent: false,
                reason: nil)
        }
        for i in 0..<records { try put(String(format: "bench/r%05d", i), body(i, 1, &rng), parent: false, reason: nil) }
    case "change":
        let fraction = Double(args[4])!
        let scans = Int(args[5])!
        var rng = Rng(x: UInt64(args[6])! | 1)
        let all = try archive.list(kind: .record).compactMap { $0.names.first { $0.hasPrefix("note bench/r") } }.map {
            String($0.dropFirst(5))
        }.sorted()
        let count = max(1, Int(Double(all.count) * fraction))
        var picked = Set<Int>()
        while picked.count < count { picked.insert(Int(rng.next() % UInt64(all.count))) }
        for i in picked.sorted() { try put(all[i], body(i, 2, &rng), parent: true, reason: "sửa điểm") }
        for n in 0..<scans {
            let size = Int(
                try archive.store.header(
                    of: ObjectID(
                        hex: try archive.current(record: "bench/scan-\(n)").1.body["page"].flatMap {
                            if case .string(let s) = $0 { return s }
                            return nil
                        }!)!
                ).size)
            let id = try scan(n, size, &rng)
            try put(
                "bench/scan-\(n)", .object([JSONMember("page", .string(id)), JSONMember("n", .number(Double(n)))]), parent: true,
                reason: "quét lại")
        }
    default:
        warn("unknown command \(args[1])", tool: "hoso-bench-sync")
        exit(2)
    }
    out.seconds = seconds(now() - start)
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    print(String(decoding: try enc.encode(out), as: UTF8.self))
} catch {
    warn("\(error)", tool: "hoso-bench-sync")
    exit(1)
}
