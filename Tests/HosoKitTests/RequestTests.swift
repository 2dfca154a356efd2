import Foundation
import HosoCore
import HosoKit
import HosoTestSupport
import Testing

/// The request register: deadlines by the working calendar, every input problem at once, status moves kept as revisions.
@Suite struct RequestTests {
    let dir = TempDirectory()

    func at(_ iso: String) -> Date { HosoClock.parse(iso)! }

    /// Local time is UTC+7: "2026-11-26T14:59:00+07:00" is a Thursday afternoon in Hà Nội.
    @Test(arguments: [
        ("2026-11-26T14:59:00+07:00", "2026-11-26T17:00:00+07:00"),  // before the cutoff: the same day
        ("2026-11-26T15:00:00+07:00", "2026-11-27T17:00:00+07:00"),  // at 15:00: the next working day
        ("2026-11-27T16:30:00+07:00", "2026-11-30T17:00:00+07:00"),  // Friday after 15:00: Monday
        ("2026-11-28T09:00:00+07:00", "2026-11-30T17:00:00+07:00"),  // Saturday: Monday
        ("2026-11-29T23:59:00+07:00", "2026-11-30T17:00:00+07:00"),  // Sunday night: Monday
        ("2026-11-26T08:00:00Z", "2026-11-27T17:00:00+07:00"),  // 15:00 local, given in UTC
    ])
    func deadlines(_ received: String, _ due: String) {
        #expect(OfficeSettings.defaults.deadline(receivedAt: at(received)) == at(due))
    }

    @Test func holidaysAreSkipped() {
        var s = OfficeSettings.defaults
        s.holidays = ["2027-02-05", "2027-02-08", "2027-02-09"]  // Tết: Friday, Monday, Tuesday
        #expect(s.deadline(receivedAt: at("2027-02-04T16:00:00+07:00")) == at("2027-02-10T17:00:00+07:00"))
        #expect(s.deadline(receivedAt: at("2027-02-04T10:00:00+07:00")) == at("2027-02-04T17:00:00+07:00"))
        // Verification answers: five working days by default.
        #expect(s.deadline(receivedAt: at("2027-02-03T10:00:00+07:00"), extraDays: 4) == at("2027-02-12T17:00:00+07:00"))
    }

    @Test func newRequestsGetNumbersAndDeadlines() throws {
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(at("2026-11-26T10:00:00+07:00")))
        let (id1, r1) = try a.newRequest(
            .init(
                kind: .copy, requesterName: "Nguyễn Văn An", relation: .holder, holderName: "Nguyễn Văn An",
                serial: "A0012345", channel: .inPerson), clerk: "vanthu")
        #expect(id1 == "YC-2026-000001")
        #expect(r1.status == .received && HosoClock.parse(r1.deadline) == at("2026-11-26T17:00:00+07:00"))
        let (id2, _) = try a.newRequest(
            .init(
                kind: .verification, requesterName: "Công ty TNHH Minh Phát", relation: .representative,
                proof: "Công văn số 12/CV-MP", holderName: "Trần Thị Bình", ledgerRecordId: "L1",
                ledgerNumber: 7, askingBody: "Công ty TNHH Minh Phát", channel: .post), clerk: "vanthu")
        #expect(id2 == "YC-2026-000002")
        #expect(try a.requests().map(\.id) == [id1, id2])
        // The same archive later: the copy request is overdue, the verification (five working days) is not.
        let later = try Archive.open(at: dir.path + "/a", clock: .fixed(at("2026-11-27T09:00:00+07:00")))
        let overdue = try later.requests(overdueOnly: true)
        #expect(overdue.map(\.id) == [id1])
    }

    @Test func everyProblemIsReportedAndNothingIsWritten() throws {
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(at("2026-11-26T10:00:00+07:00")))
        do {
            _ = try a.newRequest(
                .init(
                    kind: .copy, requesterName: " ", requesterId: "12345", relation: .relative, holderName: "",
                    holderDateOfBirth: "15/03/2004", channel: .online, copies: 0), clerk: "vanthu")
            Issue.record("accepted bad input")
        } catch let p as HosoProblems {
            #expect(
                Set(p.problems.compactMap(\.location)) == [
                    "requester", "holder", "proof", "diploma", "copies", "holder-dob", "requester-id",
                ])
        }
        #expect(try a.requests().isEmpty)
    }

    @Test func statusMovesAreRevisionsAndRefusalIsFinal() throws {
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(at("2026-11-26T10:00:00+07:00")))
        let (id, _) = try a.newRequest(
            .init(
                kind: .copy, requesterName: "Lê Thị Cúc", relation: .relative, proof: "Sổ hộ khẩu",
                holderName: "Lê Văn Đức", serial: "B0000001", channel: .inPerson), clerk: "vanthu")
        #expect(throws: HosoError(.badRequestInput, .both("", ""))) { _ = try a.refuseRequest(id, reason: "  ", clerk: "vanthu") }
        let refused = try a.refuseRequest(id, reason: "Không tìm thấy văn bằng trong sổ gốc", clerk: "vanthu")
        #expect(refused.status == .refused)
        #expect(throws: HosoError(.requestState, .both("", ""))) {
            try a.updateRequest(id, author: "vanthu", reason: "x") { $0.status = .issued }
        }
        #expect(try a.history(record: id).count == 2)
        #expect(throws: HosoError(.requestNotFound, .both("", ""))) { _ = try a.request("YC-2026-999999") }
    }
}
