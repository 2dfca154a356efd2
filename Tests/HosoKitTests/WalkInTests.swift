import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoTestSupport
import Testing

/// A request taken at the counter from a ledger entry: the holder and the diploma from the ledger, the receipt's
/// appointment from the office's calendar, and the hand-over recorded on the request.
@Suite struct WalkInTests {
    let dir = TempDirectory()
    static let entry = OfficeArchiveFixture.ledgerId + "#1"

    func at(_ iso: String) -> Date { HosoClock.parse(iso)! }

    /// The fixture's office, its clock at `now`, with Monday 7 December 2026 a holiday.
    func office(now: String) throws -> OfficeArchiveFixture {
        let f = try OfficeArchiveFixture(in: dir.path, now: at(now))
        var s = try f.archive.officeSettings()
        s.holidays = ["2026-12-07"]
        try f.archive.setOfficeSettings(s, author: "admin", reason: "holiday")
        return f
    }

    @Test func theHolderAndTheDiplomaComeFromTheLedgerAndTheReceiptSkipsTheHoliday() throws {
        // Friday 16:00 local: after the 15:00 cutoff, Saturday, Sunday and the Monday holiday → Tuesday.
        let f = try office(now: "2026-12-04T16:00:00+07:00")
        let (id, r) = try f.archive.walkInRequest(
            WalkInIntake(kind: .copy, entryRef: Self.entry, requesterId: "001080000123", identityChecked: true, contact: "0912 345 678"),
            clerk: "vanthu")
        #expect(r.holderName == "Lò Thị Mai" && r.requesterName == "Lò Thị Mai" && r.relation == .holder && r.proof == nil)
        #expect(r.holderDateOfBirth == "1980-01-01" && r.serial == "Số 001234/BT")
        #expect(r.ledgerRecordId == OfficeArchiveFixture.ledgerId && r.ledgerNumber == 1)
        #expect(r.identityChecked == true && r.requesterId == "001080000123" && r.contact == "0912 345 678")
        #expect(r.channel == .inPerson)
        let receipt = try f.archive.receipt(id)
        #expect(receipt.appointmentDate == "08/12/2026" && receipt.appointmentTime == "17:00")
        #expect(receipt.received == "16:00 04/12/2026")
        #expect(receipt.settings.officeName == "Phòng Giáo dục và Đào tạo huyện Tân Lập")
        #expect(receipt.entry?.school == "Trường PTCS Tân Lập")
        // Stored, and read back by a fresh archive.
        let again = try Archive.open(at: dir.path + "/a", clock: .fixed(at("2026-12-04T16:05:00+07:00")))
        #expect(try again.request(id).request == r)
    }

    @Test func anotherPersonAsksWithProof() throws {
        let f = try office(now: "2026-12-03T09:00:00+07:00")
        let r = try f.archive.walkInRequest(
            WalkInIntake(
                kind: .copy, entryRef: Self.entry, requesterId: "001080000999", identityChecked: true, relation: .relative,
                requesterName: "Lò Văn Hùng", proof: "Giấy khai sinh"), clerk: "vanthu"
        ).request
        #expect(r.requesterName == "Lò Văn Hùng" && r.relation == .relative && r.proof == "Giấy khai sinh")
        #expect(r.holderName == "Lò Thị Mai")
        // Before the cutoff on a working day: due the same day.
        #expect(HosoClock.parse(r.deadline) == at("2026-12-03T17:00:00+07:00"))
    }

    @Test func badInputIsRefusedFieldByFieldAndNothingIsWritten() throws {
        let f = try office(now: "2026-12-03T09:00:00+07:00")
        func problems(_ w: WalkInIntake) -> [String] {
            do {
                _ = try f.archive.walkInRequest(w, clerk: "vanthu")
                return []
            } catch let e as HosoProblems {
                return e.problems.compactMap(\.location).sorted()
            } catch {
                return ["\(error)"]
            }
        }
        #expect(problems(WalkInIntake(kind: .copy, entryRef: Self.entry, requesterId: "12345")) == ["id-checked", "requester-id"])
        #expect(
            problems(
                WalkInIntake(
                    kind: .copy, entryRef: Self.entry, requesterId: "001080000123", identityChecked: true, relation: .representative))
                == ["proof", "requester"])
        #expect(
            problems(WalkInIntake(kind: .copy, entryRef: Self.entry, requesterId: "001080000123", identityChecked: true, copies: 0)) == [
                "copies"
            ])
        #expect(problems(WalkInIntake(kind: .verification, entryRef: Self.entry)) == ["asking-body", "asking-body-ref"])
        #expect(throws: HosoError.self) {
            try f.archive.walkInRequest(
                WalkInIntake(
                    kind: .copy, entryRef: OfficeArchiveFixture.ledgerId + "#99", requesterId: "001080000123", identityChecked: true),
                clerk: "vanthu")
        }
        #expect(try f.archive.requests().isEmpty)
    }

    @Test func theHandOverIsRecordedOnceAfterIssuing() throws {
        let f = try office(now: "2026-12-03T09:00:00+07:00")
        let a = f.archive
        let (id, _) = try a.walkInRequest(
            WalkInIntake(kind: .copy, entryRef: Self.entry, requesterId: "001080000123", identityChecked: true), clerk: "vanthu")
        // Nothing issued yet: nothing to hand over.
        #expect { try a.handOver(id, to: "Lò Thị Mai", clerk: "vanthu") } throws: { ($0 as? HosoError)?.code == .requestState }
        _ = try a.issueCopy(entryRef: Self.entry, requestId: id, signer: f.office, clerk: "vanthu")
        #expect { try a.handOver(id, to: "  ", clerk: "vanthu") } throws: { ($0 as? HosoError)?.code == .badRequestInput }
        let r = try a.handOver(id, to: "Lò Thị Mai", clerk: "vanthu")
        #expect(r.handedOver == CitizenRequest.HandOver(to: "Lò Thị Mai", by: "vanthu", at: "2026-12-03T02:00:00Z"))
        #expect(try a.request(id).request.handedOver?.to == "Lò Thị Mai")
        // A revision of the request, with who and why.
        let last = try a.history(record: id).last
        #expect(last?.author == "vanthu" && last?.reason?.contains("Lò Thị Mai") == true)
        #expect { try a.handOver(id, to: "Người khác", clerk: "vanthu") } throws: { ($0 as? HosoError)?.code == .requestState }
    }

    @Test func aBodysVerificationRequestEndsInTheSignedLetter() throws {
        let f = try office(now: "2026-12-03T09:00:00+07:00")
        let a = f.archive
        let (id, r) = try a.walkInRequest(
            WalkInIntake(kind: .verification, entryRef: Self.entry, askingBody: "Công ty TNHH Minh Phát", askingBodyReference: "12/CV-MP"),
            clerk: "vanthu")
        #expect(
            r.askingBody == "Công ty TNHH Minh Phát" && r.askingBodyReference == "12/CV-MP" && r.requesterName == "Công ty TNHH Minh Phát")
        #expect(r.requesterId == nil && r.identityChecked == nil)
        // Five working days: Thursday → the next Thursday, the Monday holiday skipped.
        #expect(try a.receipt(id).appointmentDate == "10/12/2026")
        let (pdf, answer) = try a.answerVerification(requestId: id, signer: f.office, clerk: "vanthu")
        #expect(answer.finding == .matches && pdf.starts(with: Array("%PDF-".utf8)))
        // The letter answers the body's letter by its number.
        let path = dir.path + "/letter.pdf"
        try Data(pdf).write(to: URL(fileURLWithPath: path))
        let text = try runProgram("/usr/bin/pdftotext", ["-enc", "UTF-8", path, "-"], environment: ["LANG": "C.UTF-8"])
        #expect(text.status == 0 && text.output.contains("12/CV-MP"), "\(text)")
        #expect(try a.handOver(id, to: "Nguyễn Văn Bưu (Công ty Minh Phát)", clerk: "vanthu").handedOver != nil)
    }
}
