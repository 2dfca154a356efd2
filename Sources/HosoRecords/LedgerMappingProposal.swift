import Foundation
import HosoCore

/// The column mapping of a ledger import chosen on screen instead of written as JSON: the ledger's fields with
/// the titles registrars give their columns (to propose a mapping from a file's header), and the mapping file
/// built from what was chosen (the same `hoso/ledger-mapping` a script would write, checked the same way).
public enum LedgerMappingProposal {
    public static let fields: [HeaderMatch.Field] = [
        .init("stt", .both("Số thứ tự", "Row number"), titles: ["STT", "Số TT", "Số thứ tự", "TT"], required: true),
        .init("fullName", .both("Họ và tên", "Full name"), titles: ["Họ và tên", "Họ tên", "Họ và tên người học"], required: true),
        .init("dateOfBirth", .both("Ngày sinh", "Date of birth"), titles: ["Ngày sinh", "Ngày tháng năm sinh"], required: true),
        .init("placeOfBirth", .both("Nơi sinh", "Place of birth"), titles: ["Nơi sinh"], required: true),
        .init("sex", .both("Giới tính", "Sex"), titles: ["Giới tính", "Nam/Nữ", "Giới"], required: true),
        .init("ethnicity", .both("Dân tộc", "Ethnicity"), titles: ["Dân tộc"], required: true),
        .init(
            "graduationGrade", .both("Xếp loại tốt nghiệp", "Graduation grade"),
            titles: ["Xếp loại tốt nghiệp", "Xếp loại TN", "Xếp loại"]),
        .init(
            "serial", .both("Số hiệu văn bằng", "Diploma serial"), titles: ["Số hiệu văn bằng", "Số hiệu VB", "Số hiệu bằng", "Số hiệu"],
            required: true),
        .init(
            "ledgerNumber", .both("Số vào sổ gốc", "Ledger number"), titles: ["Số vào sổ gốc", "Số vào sổ", "Số vào sổ cấp bằng"],
            required: true),
        .init("recipientSigned", .both("Người nhận ký", "Recipient signed"), titles: ["Người nhận ký", "Ký nhận", "Người nhận bằng ký"]),
        .init("notes", .both("Ghi chú", "Notes"), titles: ["Ghi chú"]),
        .init("citizenId", .both("Số định danh cá nhân", "Personal ID number"), titles: ["Số định danh cá nhân", "Số CCCD", "CCCD"]),
        .init("moetId", .both("Mã học sinh (Bộ GD&ĐT)", "MOET student code"), titles: ["Mã học sinh", "Mã định danh Bộ GD&ĐT"]),
        .init("page", .both("Trang sổ", "Ledger page"), titles: ["Trang", "Số trang", "Trang sổ"]),
        .init("region", .both("Vị trí trên trang", "Place on the page"), titles: ["Vùng", "Vị trí trên trang"]),
    ]

    /// The ledger header's fields, as the mapping screen asks for them.
    public static let headerFields: [(name: String, label: LocalizedText)] = [
        ("recordId", .both("Mã sổ trong kho", "The ledger's id in the archive")),
        ("issuer", .both("Cơ quan cấp", "Issuing body")),
        ("title", .both("Tên sổ", "Ledger title")),
        ("level", .both("Cấp học", "School level")),
        ("decisionNumber", .both("Số quyết định công nhận tốt nghiệp", "Graduation decision number")),
        ("decisionDate", .both("Ngày quyết định (dd/mm/yyyy)", "Decision date (dd/mm/yyyy)")),
        ("year", .both("Năm tốt nghiệp", "Graduation year")),
        ("school", .both("Trường", "School")),
        ("mode", .both("Hình thức học", "Mode of study")),
        ("dateFormat", .both("Cách viết ngày trong tệp", "How dates are written in the file")),
    ]

    public static let dateFormats = ["dd/MM/yyyy", "d/M/yyyy", "dd-MM-yyyy", "dd.MM.yyyy", "yyyy-MM-dd"]

    /// The label of a ledger field or header field.
    public static func label(_ name: String) -> LocalizedText? {
        fields.first { $0.name == name }?.label ?? headerFields.first { $0.name == name }?.label
    }

    /// Field name → column title, for the fields whose column the header names.
    public static func propose(header: [String]) -> [String: String] {
        HeaderMatch.propose(fields, header: header).mapValues { header[$0] }
    }

    /// The mapping file for what was chosen: `columns` field → column title (empty titles left out), `header`
    /// the ledger header's values as typed (dates dd/mm/yyyy). Whatever is wrong is left for
    /// `LedgerMapping.load` to report, field by field, as it reports a script's file.
    public static func mappingJSON(
        columns: [String: String], header: [String: String], sheet: String?, scans: String? = nil
    ) throws -> [UInt8] {
        func text(_ k: String) -> JSONValue { .string(header[k].map { VietnameseText.nfc($0.trimmingCharacters(in: .whitespaces)) } ?? "") }
        var decisionDate = header["decisionDate"]?.trimmingCharacters(in: .whitespaces) ?? ""
        if let iso = DateCell.parse(decisionDate, format: "d/M/yyyy") { decisionDate = iso }
        let yearText = header["year"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let ledger: [JSONMember] = [
            JSONMember("issuer", text("issuer")), JSONMember("title", text("title")), JSONMember("level", text("level")),
            JSONMember(
                "decision", .object([JSONMember("number", text("decisionNumber")), JSONMember("date", .string(decisionDate))])),
            JSONMember("year", Int(yearText).map { .number(Double($0)) } ?? .string(yearText)),
            JSONMember("school", text("school")), JSONMember("mode", text("mode")),
        ]
        var members: [JSONMember] = [
            JSONMember("format", .string("hoso/ledger-mapping")), JSONMember("version", .number(1)),
            JSONMember("recordId", text("recordId")), JSONMember("ledger", .object(ledger)),
            JSONMember(
                "columns",
                .object(
                    fields.compactMap { f in
                        guard let t = columns[f.name], !t.isEmpty else { return nil }
                        return JSONMember(f.name, .string(t))
                    })),
            JSONMember("dateFormat", .string(header["dateFormat"].flatMap { dateFormats.contains($0) ? $0 : nil } ?? "dd/MM/yyyy")),
        ]
        if let sheet { members.append(JSONMember("sheet", .string(sheet))) }
        if let scans { members.append(JSONMember("scans", .string(scans))) }
        return try CanonicalJSON.serialize(.object(members))
    }
}
