import Foundation
import HosoCore
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// Digitization records (Law on E-Transactions 2023, Art. 12): every ledger revision written names its objects, who
/// converted it and when, and the office seals them in one run with its seal certificate only.
@Suite struct DigitizationTests {
    let dir = TempDirectory()

    @Test func everyLedgerWriteIsRecordedAndTheOfficeSealsThemInOneRun() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let ledger = OfficeArchiveFixture.ledgerId
        var list = try a.digitizations(of: ledger)
        let head = try a.heads(record: ledger)
        #expect(list.count == 1 && list[0].revision == head.first && list[0].objects == head)
        #expect(list[0].convertedBy == "registrar" && list[0].method == "keyed" && list[0].sealedBy.isEmpty)
        #expect(list[0].organisation == "Phòng Giáo dục và Đào tạo huyện Tân Lập")
        // An imported ledger names its page scans too.
        let l = LedgerFixture(dir)
        let r = try a.importLedger(file: l.csv, mapping: l.mappingPath, dryRun: false, reason: nil, author: "cán bộ VB")
        let imported = try a.digitizations(of: "PGD-TL/THCS/2019/TL")
        let scans = try a.current(record: "PGD-TL/THCS/2019/TL").1.body["pages"]
        guard case .array(let pages)? = scans else { throw FixtureError("no pages") }
        #expect(imported.count == 1 && imported[0].revision == r.revision && imported[0].method == "import")
        #expect(Set(imported[0].objects) == Set([r.revision!] + pages.compactMap { $0["scan"]?.stringValue }))

        // A person's certificate cannot seal; nothing is signed.
        let teacher = try f.pki.identity("gv-toan")
        #expect(throws: HosoError(.notOfficeSeal, .both("", ""))) { _ = try a.sealDigitizations(identity: teacher) }
        #expect(try a.digitizations().allSatisfy { $0.sealedBy.isEmpty })
        // The seal signs both at once, then nothing is left to sign.
        let sealed = try a.sealDigitizations(identity: f.office)
        #expect(sealed.count == 2)
        list = try a.digitizations()
        #expect(list.count == 2 && list.allSatisfy { $0.sealedBy == [f.office.certificate.commonName ?? ""] })
        #expect(try a.sealDigitizations(identity: f.office).isEmpty)
        // The records are the workflow's: a plain write can neither forge nor change one.
        #expect(throws: HosoError.self) {
            _ = try a.createRecord(type: "digitization", id: "digitization/x", body: .object([]), author: "x")
        }
        #expect(throws: HosoError.self) { _ = try a.revise(record: list[0].id, body: .object([]), author: "x", reason: "x") }
    }

    @Test func aRevisedLedgerGetsItsOwnRecordAndBothAreSealedInOneRun() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        var body = try OfficeArchiveFixture.exampleLedger()
        if case .object(let m) = body {
            body = .object(m.map { $0.key == "school" ? JSONMember("school", .string("Trường PTCS Tân Lập (sửa)")) : $0 })
        }
        let second = try a.revise(record: OfficeArchiveFixture.ledgerId, body: body, author: "registrar", reason: "sửa tên trường")
        #expect(try a.heads(record: Archive.digitizationId(revision: second.hex)).count == 1)
        #expect(try a.recordMissingDigitizations() == 0)
        #expect(try a.sealDigitizations(identity: f.office).count == 2)
        #expect(try a.digitizations(of: OfficeArchiveFixture.ledgerId).map(\.revision).contains(second.hex))
    }
}
