import Foundation
import HosoTestSupport
import Testing

/// Several `hoso` processes writing one record at once: they serialise on the archive's write lock, exactly one
/// succeeds per record head, the others are told (RECORD_CHANGED, RECORD_EXISTS) and change nothing; no fork.
@Suite struct ConcurrentWriterTests {
    static let writers = 6

    struct HistoryItem: Decodable {
        struct Revision: Decodable { var id: String }
        var revision: Revision
        var head: Bool
    }

    func history(_ box: Sandbox, _ record: String) throws -> [HistoryItem] {
        let r = try box.hoso("history", record, "--json")
        try #require(r.status == 0, "\(r)")
        return try r.json([HistoryItem].self)
    }

    /// Runs `args(i)` for i in 0..<n, all at once, each in its own process.
    func together(_ box: Sandbox, _ n: Int, _ args: @Sendable (Int) -> [String]) -> [ProgramOutput] {
        let results = ResultsBox(n)
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let env = ["HOSO_AUTHOR": "writer-\(i)"]
            results.set(i, (try? box.hoso(args(i), env: env)) ?? ProgramOutput(status: -1, stdout: Data(), stderr: Data()))
        }
        return results.all
    }

    @Test func revisingOneHeadAtOnceForksNothing() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("v0.json", "{\"text\": \"bản đầu\"}")
            let created = try box.hoso("record", "new", "note", "a/1", "v0.json", "--json")
            try #require(created.status == 0, "\(created)")
            let h0 = try #require(try history(box, "a/1").first?.revision.id)
            for i in 0..<Self.writers { try box.write("v\(i + 1).json", "{\"text\": \"bản sửa \(i)\"}") }

            let runs = together(box, Self.writers) { i in
                ["record", "revise", "a/1", "v\(i + 1).json", "--reason", "sửa \(i)", "--expect-head", h0]
            }
            let won = runs.filter { $0.status == 0 }
            #expect(won.count == 1, "\(runs)")
            for r in runs where r.status != 0 {
                #expect(r.status == 3 && r.err.contains("[RECORD_CHANGED]"), "\(r)")
            }
            let items = try history(box, "a/1")
            #expect(items.count == 2, "one revision on top of the first, no sibling: \(items.map(\.revision.id))")
            #expect(items.filter(\.head).count == 1)
            #expect(try box.hoso("fsck").status == 0)
        }
    }

    @Test func creatingOneRecordAtOnceMakesOneRoot() throws {
        try withSandbox { box in
            try box.initArchive()
            for i in 0..<Self.writers { try box.write("n\(i).json", "{\"text\": \"ghi chú \(i)\"}") }
            let runs = together(box, Self.writers) { i in ["record", "new", "note", "b/1", "n\(i).json"] }
            #expect(runs.filter { $0.status == 0 }.count == 1, "\(runs)")
            for r in runs where r.status != 0 { #expect(r.err.contains("[RECORD_EXISTS]"), "\(r)") }
            #expect(try history(box, "b/1").count == 1)
        }
    }

    @Test func importingOneLedgerAtOnceMakesOneRevision() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("l/ledger.csv", LedgerText.csv)
            try box.write("l/mapping.json", LedgerText.mapping)
            let runs = together(box, 4) { _ in ["ledger", "import", "--mapping", "l/mapping.json", "l/ledger.csv", "--json"] }
            struct Report: Decodable {
                var committed: Bool
                var unchanged: Bool
            }
            var committed = 0
            for r in runs {
                if r.status == 0 {
                    let report = try r.json(Report.self)
                    if report.committed { committed += 1 } else { #expect(report.unchanged, "\(r)") }
                } else {
                    #expect(r.status == 3 && r.err.contains("[RECORD_CHANGED]"), "\(r)")
                }
            }
            #expect(committed == 1, "\(runs)")
            #expect(try history(box, LedgerText.recordId).count == 1)
            // A re-run of a refused import finishes: the ledger is there, unchanged.
            let again = try box.hoso("ledger", "import", "--mapping", "l/mapping.json", "l/ledger.csv", "--json")
            let unchanged = again.status == 0 ? try again.json(Report.self).unchanged : false
            #expect(unchanged, "\(again)")
            #expect(try box.hoso("fsck").status == 0)
        }
    }
}

/// Outputs filled in by concurrent threads, one slot each.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [ProgramOutput?]
    init(_ n: Int) { slots = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: ProgramOutput) { lock.withLock { slots[i] = r } }
    var all: [ProgramOutput] { lock.withLock { slots.compactMap { $0 } } }
}

/// A three-entry ledger without scans, in a registrar's layout, and its column mapping.
enum LedgerText {
    static let recordId = "PGD-TL/THCS/2019/TL"
    static let csv =
        ([
            "STT;Họ và tên;Ngày sinh;Nơi sinh;Giới tính;Dân tộc;Xếp loại TN;Số hiệu VB;Số vào sổ;Chữ ký;Số CCCD;Trang",
            "1;Nguyễn Văn An;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A0012345;1;x;022204001234;1",
            "2;Trần Thị Bích Ngọc;02/11/2004;Xã Tân Lập;Nữ;Tày;Giỏi;A0012346;2;x;;1",
            "3;Đặng Hữu Phước;31/12/2003;Xã Tân Lập;Nam;Kinh;Trung bình;A0012347;3;;;2",
        ]).joined(separator: "\r\n") + "\r\n"
    static let mapping = """
        {"format":"hoso/ledger-mapping","version":1,"recordId":"\(recordId)",
         "ledger":{"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập","title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS","level":"THCS",
           "decision":{"number":"123/QĐ-PGDĐT","date":"2019-06-15"},"year":2019,"school":"Trường THCS Tân Lập","mode":"Giáo dục chính quy"},
         "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh","sex":"Giới tính",
           "ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB","ledgerNumber":"Số vào sổ",
           "recipientSigned":"Chữ ký","citizenId":"Số CCCD","page":"Trang"},
         "dateFormat":"dd/MM/yyyy"}
        """
}
