import Foundation
import HosoCore
import HosoKit
import HosoPrimitives
import HosoRecords
import HosoTestSupport
import Testing

/// Online requests: the public form's checks field by field, the proof of work (replayed, expired, forged, too easy),
/// filing into the same register, the status by tracking code and ID digits, and the download logged as an extract.
@Suite struct OnlineRequestTests {
    static let pdfProof = Array("%PDF-1.4\n% proof\n".utf8)

    static func goodForm() -> OnlineRequestForm {
        var f = OnlineRequestForm()
        f.kind = "copy"
        f.holderName = "Lò Thị Mai"
        f.holderDateOfBirth = "01/01/1980"
        f.holderId = "001180012345"
        f.serial = "Số 001234/BT"
        f.requesterName = "Lò Thị Mai"
        f.relation = "holder"
        f.phone = "0912 345 678"
        return f
    }

    // MARK: - The form

    @Test func aGoodFormBecomesARequest() throws {
        let (r, type) = try Self.goodForm().check(proof: Self.pdfProof).get()
        #expect(type == "application/pdf" && r.channel == .online && r.holderDateOfBirth == "1980-01-01" && r.serial == "Số 001234/BT")
    }

    /// Each bad field is reported under its own name (the page shows it beside that field), all at once.
    @Test(arguments: [
        ("holder-dob", "holder-dob", "1980-01-01"), ("holder-dob", "holder-dob", "31/02/1980"),
        ("holder-id", "holder-id", "12345678901"), ("holder-id", "holder-id", "00118001234a"), ("holder", "holder", "  "),
        ("requester", "requester", ""), ("relation", "relation", "friend"), ("kind", "kind", ""), ("serial", "serial", ""),
        ("year", "year", "98"), ("phone", "phone", "12345"), ("email", "email", "not an address"),
        ("asking-body", "kind", "verification"),
    ])
    func badFieldsAreNamed(_ field: String, _ key: String, _ value: String) {
        var f = Self.goodForm()
        switch key {
        case "holder-dob": f.holderDateOfBirth = value
        case "holder-id": f.holderId = value
        case "holder": f.holderName = value
        case "requester": f.requesterName = value
        case "relation": f.relation = value
        case "kind": f.kind = value
        case "serial": f.serial = value
        case "year": f.year = value
        case "phone": f.phone = value
        default: f.email = value
        }
        guard case .failure(let e) = f.check(proof: Self.pdfProof) else {
            Issue.record("accepted")
            return
        }
        #expect(e.problems.map(\.location) == [field])
    }

    @Test func theProofIsCheckedByItsBytes() {
        let f = Self.goodForm()
        func problem(_ bytes: [UInt8]?) -> String? {
            guard case .failure(let e) = f.check(proof: bytes) else { return nil }
            return e.problems.first { $0.location == "proof" }.map { $0.message.vi }
        }
        #expect(problem(nil)?.contains("Hãy gửi kèm") == true)
        #expect(problem(Array("<html><script>".utf8))?.contains("Chỉ nhận tệp PDF, JPEG hoặc PNG") == true)
        #expect(problem(Self.pdfProof + [UInt8](repeating: 0, count: OnlineRequestForm.maxProofBytes)) == "Tệp quá lớn (tối đa 5 MB)")
        #expect(problem([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == nil)
        #expect(problem([0xFF, 0xD8, 0xFF, 0xE0, 0]) == nil)
        #expect(ProofFile.type(of: [0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
    }

    @Test func trackingCodesAreTypeable() throws {
        let code = TrackingCode.make((0..<24).map { _ in UInt8.random(in: 0...255) })
        #expect(
            code.range(of: #"^[ACDEFGHJKMNPQRTUVWXY]{4}-[ACDEFGHJKMNPQRTUVWXY]{4}-[ACDEFGHJKMNPQRTUVWXY]{4}$"#, options: .regularExpression)
                != nil)
        #expect(
            TrackingCode.normalized(code.lowercased().replacingOccurrences(of: "-", with: " "))
                == code.replacingOccurrences(of: "-", with: ""))
        #expect(TrackingCode.normalized("AAAA-AAAA-AAA0") == nil)  // 0 is not in the alphabet
    }

    // MARK: - Proof of work

    @Test func aSolvedChallengeIsAcceptedOnce() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let pow = try ProofOfWork(bits: 8)
        let c = try pow.issue(now: now)
        let nonce = ProofOfWork.solve(c, bits: 8)
        try pow.redeem(c, nonce: nonce, now: now)
        #expect(throws: HosoError.self) { try pow.redeem(c, nonce: nonce, now: now) }  // replayed
    }

    @Test func expiredForgedAndWrongChallengesAreRefused() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let key = [UInt8](repeating: 7, count: 32)
        let pow = try ProofOfWork(bits: 8, lifetime: 600, key: key)
        func cause(_ c: String, _ nonce: String, at: Date = now) -> String? {
            do {
                try pow.redeem(c, nonce: nonce, now: at)
                return nil
            } catch let e as HosoError {
                #expect(e.code == .challengeFailed)
                return e.cause
            } catch { return "\(error)" }
        }
        let c = try pow.issue(now: now)
        let nonce = ProofOfWork.solve(c, bits: 8)
        #expect(cause(c, nonce, at: now + 601) == "expired")
        // The difficulty changed in the challenge: its MAC no longer matches.
        var parts = c.split(separator: ".").map(String.init)
        parts[3] = "1"
        #expect(cause(parts.joined(separator: "."), ProofOfWork.solve(parts.joined(separator: "."), bits: 1)) == "forged")
        // Another server's key.
        let other = try ProofOfWork(bits: 8, key: [UInt8](repeating: 8, count: 32)).issue(now: now)
        #expect(cause(other, ProofOfWork.solve(other, bits: 8)) == "forged")
        // A challenge this key issued at a lower difficulty than the one asked now.
        let easy = try ProofOfWork(bits: 2, lifetime: 600, key: key).issue(now: now)
        #expect(cause(easy, ProofOfWork.solve(easy, bits: 2)) == "too easy")
        // A nonce that does not meet the difficulty.
        let bad = (0..<100).map { "q\($0)" }.first { SHA256.hash(Array((c + ":" + $0).utf8))[0] != 0 }!
        #expect(cause(c, bad) == "wrong nonce")
        #expect(cause("v1.x.y", "0") == "malformed")
        // The good nonce still works (failures used nothing up).
        #expect(cause(c, nonce) == nil)
    }

    @Test func wrongTriesLockACodeForAWhile() throws {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let limiter = AttemptLimiter(limit: 3, window: 900)
        for _ in 0..<3 { try limiter.take("K", now: t) }  // three wrong answers
        #expect(throws: HosoError.self) { try limiter.take("K", now: t + 60) }
        try limiter.take("other", now: t + 60)
        try limiter.take("K", now: t + 901)
        // A right answer gives its try back: a citizen who looks the status up often is never locked out.
        for _ in 0..<10 {
            try limiter.take("ok", now: t)
            try limiter.succeeded("ok")
        }
    }

    /// Tries are counted when taken, not when they fail: guesses sent at the same moment cannot all pass the check
    /// before the first failure is recorded.
    @Test func guessesSentAtOnceStillCountOneByOne() async throws {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let limiter = AttemptLimiter(limit: 5, window: 900)
        let passed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { (try? limiter.take("K", now: t)) != nil } }
            var n = 0
            for await ok in group where ok { n += 1 }
            return n
        }
        #expect(passed == 5)
    }

    // MARK: - Filing, status, download

    @Test func filedOnlineThenIssuedAndDownloadedWithTheDigits() throws {
        let dir = TempDirectory()
        let setup = try OfficeArchiveFixture(in: dir.path)
        let a = setup.archive
        let (id, code, filed) = try a.fileOnlineRequest(Self.goodForm(), proof: Self.pdfProof)
        #expect(filed.channel == .online && filed.status == .received && filed.online?.holderId == "001180012345")
        #expect(filed.online?.phone == "0912345678" && !filed.deadline.isEmpty)
        #expect(try a.requests().contains { $0.id == id })  // the same queue as walk-in requests
        #expect(try a.onlineProof(id) == (Self.pdfProof, "application/pdf"))
        // The code is not stored anywhere in the record.
        #expect(!(try String(decoding: CanonicalJSON.serialize(a.current(record: id).1.body), as: UTF8.self).contains(code)))

        #expect(try a.onlineRequest(code: code.lowercased(), idDigits: "2345").id == id)
        #expect(throws: HosoError.self) { try a.onlineRequest(code: code, idDigits: "2346") }
        #expect(throws: HosoError.self) { try a.onlineRequest(code: "ACDE-FGHJ-KMNP", idDigits: "2345") }
        #expect(throws: HosoError.self) { try a.downloadOnline(code: code, idDigits: "2345", index: 0) }  // not issued yet

        let issued = try a.issueCopy(entryRef: "Số 001234/BT", requestId: id, signer: setup.office, clerk: "vanthu")
        #expect(throws: HosoError.self) { try a.downloadOnline(code: code, idDigits: "9999", index: 0) }
        let given = try a.downloadOnline(code: code, idDigits: "2345", index: 0)
        #expect(given.bytes == issued.pdf)
        let log = try a.extracts(of: id)
        #expect(log.count == 1 && log[0].channel == Archive.onlineDownloadChannel && log[0].file == given.file.hex)
    }

    /// The index is derived: rebuilt from the objects, it finds the request by its tracking code again.
    @Test func theTrackingLookupSurvivesAReindex() throws {
        let dir = TempDirectory()
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(Date(timeIntervalSince1970: 1_800_000_000)))
        let (id, code, _) = try a.fileOnlineRequest(Self.goodForm(), proof: Self.pdfProof)
        try a.reindex()
        #expect(try a.onlineRequest(code: code, idDigits: "2345").id == id)
        #expect(try a.onlineProof(id).bytes == Self.pdfProof)
        #expect(try a.fsck().ok)
    }

    @Test func aBodyAsksForAVerificationWithoutTheSerial() throws {
        let dir = TempDirectory()
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(Date(timeIntervalSince1970: 1_800_000_000)))
        var f = Self.goodForm()
        f.kind = "verification"
        f.serial = ""
        f.school = "Trường PTCS Tân Lập"
        f.year = "1996"
        f.askingBody = "Công ty TNHH Sao Mai"
        f.relation = "representative"
        let (_, _, r) = try a.fileOnlineRequest(f, proof: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2])
        #expect(r.kind == .verification && r.askingBody == "Công ty TNHH Sao Mai" && r.online?.requesterKind == .body)
        #expect(r.online?.school == "Trường PTCS Tân Lập" && r.online?.year == 1996 && r.online?.proofType == "image/jpeg")
        #expect(r.proof != nil)  // a representative's proof is the uploaded file
    }

    /// A citizen who knows the school and year but not the serial: the clerk is shown the entries that may be the one,
    /// names it, and the copy is issued from it; a closed request or an entry that does not exist is refused.
    @Test func theClerkNamesTheEntryAnOnlineRequestWithoutASerialMeans() throws {
        let dir = TempDirectory()
        let setup = try OfficeArchiveFixture(in: dir.path)
        let a = setup.archive
        var f = Self.goodForm()
        f.serial = ""
        f.school = "Trường PTCS Tân Lập"
        f.year = "1996"
        let (id, _, filed) = try a.fileOnlineRequest(f, proof: Self.pdfProof)
        #expect(filed.serial == nil && filed.ledgerRecordId == nil)
        let candidates = try a.candidateEntries(for: filed)
        let hit = try #require(candidates.first)
        #expect(hit.fullName == "Lò Thị Mai" && hit.serial == "Số 001234/BT")
        #expect(throws: HosoError.self) { try a.attachEntry(request: id, entryRef: "\(hit.recordId)#999", clerk: "vanthu") }
        let checked = try a.attachEntry(request: id, entryRef: "\(hit.recordId)#\(hit.ledgerNumber)", clerk: "vanthu")
        #expect(checked.status == .checked && checked.serial == "Số 001234/BT" && checked.ledgerRecordId == hit.recordId)
        #expect(try a.request(id).request.checkedEntry == "\(hit.recordId)#\(hit.ledgerNumber)")
        _ = try a.issueCopy(entryRef: try #require(checked.serial), requestId: id, signer: setup.office, clerk: "vanthu")
        #expect(throws: HosoError.self) { try a.attachEntry(request: id, entryRef: "\(hit.recordId)#\(hit.ledgerNumber)", clerk: "x") }
    }
}
