import HosoCore
import HosoRecords

/// The ledger rules a record must keep before it is committed, checked against what the archive holds.
extension ArchiveIndexing {
    /// A diploma serial belongs to one entry of the archive, and a ledger number to one entry of its issuer's
    /// year — however the ledger arrives (`ledger import` checks the same, naming rows and columns; this covers a
    /// ledger created or revised from JSON). Every clash is reported, each with its JSON pointer.
    package func checkLedgerNumbersAreFree(_ rev: Revision) throws {
        guard case .array(let entries)? = rev.body["entries"] else { return }
        let year = rev.body["year"]?.integerValue ?? 0
        let issuer = rev.body["issuer"]?.stringValue ?? ""
        var serials = [(at: Int, serial: String)]()
        var numbers = [(at: Int, number: Int)]()
        var problems = [HosoError]()
        var serialAt = [String: Int]()
        var numberAt = [Int: Int]()
        for (i, e) in entries.enumerated() {
            if let s = e["serial"]?.stringValue {
                if let first = serialAt[s] {
                    problems.append(
                        HosoError(
                            .ledgerDuplicateSerial,
                            .both("Số hiệu văn bằng trùng với mục \(first)", "Diploma serial repeats entry \(first)"),
                            location: "\(rev.recordId)#/entries/\(i)/serial", cause: s))
                } else {
                    serialAt[s] = i
                    serials.append((i, s))
                }
            }
            if let n = e["ledgerNumber"]?.integerValue {
                if let first = numberAt[n] {
                    problems.append(
                        HosoError(
                            .ledgerDuplicateNumber, .both("Số vào sổ gốc trùng với mục \(first)", "Ledger number repeats entry \(first)"),
                            location: "\(rev.recordId)#/entries/\(i)/ledgerNumber", cause: String(n)))
                } else {
                    numberAt[n] = i
                    numbers.append((i, n))
                }
            }
        }
        if !serials.isEmpty || !numbers.isEmpty {
            let ns = numbers.map(\.number)
            let used = try usedNumbers(
                year: year, issuer: issuer, excludingRecord: rev.recordId, serials: serials.map(\.serial),
                numbers: ns.min().map { $0...ns.max()! })
            for (i, s) in serials {
                if let other = used.serials[s] {
                    problems.append(
                        HosoError(
                            .ledgerDuplicateSerial,
                            .both("Số hiệu văn bằng đã có trong kho (\(other))", "Diploma serial already in the archive (\(other))"),
                            location: "\(rev.recordId)#/entries/\(i)/serial", cause: s))
                }
            }
            for (i, n) in numbers {
                if let other = used.numbers[n] {
                    problems.append(
                        HosoError(
                            .ledgerDuplicateNumber,
                            .both(
                                "Số vào sổ gốc năm \(year) đã có trong kho (\(other))",
                                "Ledger number of \(year) already in the archive (\(other))"),
                            location: "\(rev.recordId)#/entries/\(i)/ledgerNumber", cause: String(n)))
                }
            }
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
    }

    /// Corrections and revocations name a diploma; it must be in the archive's ledgers as they describe it
    /// (serial, ledger, ledger number, and for a correction the values it corrects from). A reissued diploma's
    /// serial must not belong to anything else.
    package func checkAgainstLedgers(_ rev: Revision) throws {
        guard rev.recordType == "ledger-appendix" || rev.recordType == "revocation" else { return }
        let body = rev.body
        var problems = [HosoError]()
        let src = rev.recordId
        var q = EntryQuery()
        q.serial = body["serial"]?.stringValue
        let found = q.serial == nil ? [] : try findEntries(q, limit: 2)
        guard let entry = found.first else {
            throw HosoError(
                .ledgerEntryNotFound,
                .both("Không có văn bằng số hiệu này trong sổ gốc của kho", "No diploma with this serial in the archive's ledgers"),
                location: "\(src)#/serial", cause: q.serial)
        }
        if let l = body["ledgerRecordId"]?.stringValue, l != entry.recordId {
            problems.append(
                HosoError(
                    .appendixMismatch, .both("Văn bằng này nằm ở sổ \(entry.recordId)", "This diploma is in ledger \(entry.recordId)"),
                    location: "\(src)#/ledgerRecordId", cause: l))
        }
        if let n = body["ledgerNumber"]?.integerValue, n != entry.ledgerNumber {
            problems.append(
                HosoError(
                    .appendixMismatch,
                    .both("Số vào sổ của văn bằng này là \(entry.ledgerNumber)", "This diploma's ledger number is \(entry.ledgerNumber)"),
                    location: "\(src)#/ledgerNumber", cause: String(n)))
        }
        if rev.recordType == "ledger-appendix" {
            let current: [String: String] = [
                "fullName": entry.fullName, "dateOfBirth": entry.dateOfBirth, "placeOfBirth": entry.placeOfBirth,
                "sex": entry.sex, "ethnicity": entry.ethnicity, "graduationGrade": entry.graduationGrade,
            ]
            if case .array(let corrections)? = body["corrections"] {
                for (i, c) in corrections.enumerated() {
                    guard let field = c["field"]?.stringValue, let was = current[field], let from = c["from"]?.stringValue else { continue }
                    if VietnameseText.nfc(from) != was {
                        problems.append(
                            HosoError(
                                .appendixMismatch,
                                .both(
                                    "Giá trị cũ không khớp sổ gốc (sổ ghi: \(was))",
                                    "The old value does not match the ledger (it says: \(was))"),
                                location: "\(src)#/corrections/\(i)/from", cause: from))
                    }
                }
            }
            if let reissued = (body["reissued"]?["serial"])?.stringValue {
                var rq = EntryQuery()
                rq.serial = reissued
                for other in try findEntries(rq, limit: 5) where other.recordId != (body["reissued"]?["ledgerRecordId"])?.stringValue {
                    problems.append(
                        HosoError(
                            .ledgerDuplicateSerial,
                            .both(
                                "Số hiệu cấp lại đã thuộc văn bằng khác (\(other.recordId))",
                                "The reissued serial already belongs to another diploma (\(other.recordId))"),
                            location: "\(src)#/reissued/serial", cause: reissued))
                }
            }
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
    }
}
