import Foundation
import HosoCore
import HosoGrades
import HosoRecords

/// What importing a vnEdu grade sheet did or would do.
public struct GradeSheetImportResult: Sendable {
    public var result: GradeBookImportResult
    /// The sheet read.
    public var sheet: String
    /// Rows whose average in the sheet differs from the TT22 computation (the computed one is stored).
    public var mismatches: [HosoError]
}

extension Archive {
    /// The students held (person records with the student role), to match a grade sheet's rows against.
    public func studentRoster() throws -> [RosterStudent] {
        var out = [RosterStudent]()
        for id in try recordIds(ofType: Self.personType) {
            guard try heads(record: id).count == 1 else { continue }
            let body = try current(record: id).1.body
            let roles = body["roles"].flatMap { v -> [String]? in
                if case .array(let a) = v { return a.compactMap(\.stringValue) }
                return nil
            }
            guard roles?.contains("student") ?? false, let name = body["fullName"]?.stringValue,
                let dob = body["dateOfBirth"]?.stringValue
            else { continue }
            out.append(RosterStudent(moetId: body["moetId"]?.stringValue, fullName: name, dateOfBirth: dob))
        }
        return out
    }

    /// Imports a vnEdu grade sheet (XLSX: one class × subject × term) as that class's grade book: the rows are
    /// matched to the students held, converted to the grade-book layout and checked as a grade-book CSV file is;
    /// every problem names the sheet's own row and column. `sheet` names the worksheet (else the first with a
    /// grade-sheet header).
    public func importGradeSheet(
        xlsx path: String, sheet: String? = nil, header: ClassHeader?, settings: GradeBookSettings, author: String,
        reason: String? = nil, dryRun: Bool = false
    ) throws -> GradeSheetImportResult {
        let (sheets, date1904) = try XLSXReader.readSheets(path: path)
        let roster = try studentRoster()
        var candidates = sheets
        if let sheet {
            candidates = sheets.filter { $0.name == sheet }
            if candidates.isEmpty {
                throw HosoError(
                    .gradeSheetLayout,
                    .both("Tệp không có trang tính \"\(sheet)\"", "The file has no sheet \"\(sheet)\""), location: path,
                    cause: sheets.map(\.name).joined(separator: ", "))
            }
        }
        var firstProblems = [HosoError]()
        for s in candidates {
            let (conversion, problems) = VnEduGradeSheet.convert(s, source: path, date1904: date1904, roster: roster)
            guard let c = conversion else {
                if firstProblems.isEmpty { firstProblems = problems }
                continue
            }
            func placed(_ e: HosoError) -> HosoError {
                var e = e
                e.location = c.place(e.location, file: path)
                return e
            }
            let result: GradeBookImportResult
            do {
                result = try importGradeBook(
                    csv: c.csv, source: "\(path):\(s.name)", header: header, settings: settings, author: author, reason: reason,
                    dryRun: dryRun || !problems.isEmpty)
            } catch let e as HosoProblems {
                throw HosoProblems(problems + e.problems.map(placed))
            } catch let e as HosoError {
                throw HosoProblems(problems + [placed(e)])
            }
            if !problems.isEmpty { throw HosoProblems(problems) }
            let mismatches = VnEduGradeSheet.averageMismatches(c, book: result.book).map { m in
                HosoError(
                    .gradeSheetAverageMismatch,
                    .both(
                        "Điểm trung bình trong bảng (\(m.given.vietnamese)) khác điểm tính theo Thông tư 22 (\(m.computed.vietnamese)); lưu điểm tính được",
                        "The sheet's average (\(m.given)) differs from the TT22 computation (\(m.computed)); the computed one is stored"),
                    location: "\(path):\(s.name):\(m.row):\(c.averageTitle ?? "average")")
            }
            var r = result
            r.warnings = r.warnings.map(placed)
            return GradeSheetImportResult(result: r, sheet: s.name, mismatches: mismatches)
        }
        throw HosoProblems(
            firstProblems.isEmpty
                ? [HosoError(.gradeSheetLayout, .both("Tệp không có trang tính nào", "The file has no sheet"), location: path)]
                : firstProblems)
    }
}
