import Foundation
import HosoKit
import HosoTestSupport
import Testing

/// The column mapping chosen on screen: proposed from the file's titles (NFD, line breaks, capitals), a failed
/// check keeps the uploaded files for a corrected mapping or a replaced spreadsheet, and the mapping that passed
/// is proposed again for the same layout.
@Suite struct ImportMappingTests {
    /// Titles as a school's file has them: capitals, a decomposed title with a line break inside, and "SH", which
    /// no proposal can know means the diploma serial.
    static let header =
        "STT;HỌ VÀ TÊN;\"\("Ngày\nsinh".decomposedStringWithCanonicalMapping)\";Nơi sinh;Giới tính;Dân tộc;Xếp loại TN;SH;Số vào sổ"

    static func csv(_ rows: [String]) -> [UInt8] { Array(([header] + rows).joined(separator: "\r\n").utf8) }

    static let good = [
        "1;Nguyễn Văn Bảo;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A0099101;1",
        "2;Trần Thị Cúc;02/11/2004;Xã Tân Lập;Nữ;Tày;Giỏi;A0099102;2",
    ]

    /// The select of a field, as rendered.
    static func select(_ body: String, _ field: String) -> String {
        guard let start = body.range(of: "<select name=\"col-\(field)\"") else { return "" }
        let rest = body[start.lowerBound...]
        return String(rest[..<(rest.range(of: "</select>")?.upperBound ?? rest.endIndex)])
    }

    static func batch(_ body: String) -> String? {
        body.range(of: #"name="batch" value=""#).map { String(body[$0.upperBound...].prefix { $0 != "\"" }) }
    }

    static func headerFields(_ batch: String, serial: String?) -> [(String, String)] {
        var f: [(String, String)] = [
            ("batch", batch), ("col-stt", "STT"), ("col-fullName", "HỌ VÀ TÊN"),
            ("col-dateOfBirth", "Ngày\nsinh".decomposedStringWithCanonicalMapping), ("col-placeOfBirth", "Nơi sinh"),
            ("col-sex", "Giới tính"), ("col-ethnicity", "Dân tộc"), ("col-graduationGrade", "Xếp loại TN"),
            ("col-ledgerNumber", "Số vào sổ"),
            ("h-recordId", ""), ("h-issuer", "Phòng Giáo dục và Đào tạo huyện Tân Lập"), ("h-title", "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS"),
            ("h-level", "THCS"), ("h-decisionNumber", "123/QĐ-PGDĐT"), ("h-decisionDate", "15/06/2019"), ("h-year", "2019"),
            ("h-school", "Trường THCS Tân Lập"), ("h-mode", "Giáo dục chính quy"), ("h-dateFormat", "dd/MM/yyyy"),
        ]
        if let serial { f.append(("col-serial", serial)) }
        return f
    }

    @Test func aFailedCheckKeepsTheFilesAndTheConfirmedMappingIsProposedNextTime() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            try await b.get("/digitize")
            var bad = Self.good
            bad[1] = "2;Trần Thị Cúc;31/02/2004;Xã Tân Lập;Nữ;Tày;Giỏi;A0099102;2"  // no such day
            let (h, body) = multipart([
                ("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8)), ("ledger", "Sổ gốc 2019.csv", "text/csv", Self.csv(bad)),
            ])
            // No mapping file: the mapping screen, with columns proposed from the titles.
            #expect(try await b.request(.post, "/digitize", headers: h, body: body).status == .ok)
            #expect(b.lastBody.contains("id=\"mapping-form\"") && b.lastBody.contains("Sổ gốc 2019.csv"), "\(b.lastBody)")
            #expect(Self.select(b.lastBody, "fullName").contains("value=\"HỌ VÀ TÊN\" selected"))
            #expect(Self.select(b.lastBody, "dateOfBirth").contains("selected"))
            #expect(Self.select(b.lastBody, "dateOfBirth").contains("ví dụ: 15/03/2004"))
            #expect(!Self.select(b.lastBody, "serial").contains("selected"))
            let batch = try #require(Self.batch(b.lastBody))

            // The serial left unmapped: refused with the field named, the files kept.
            #expect(try await b.post("/digitize/check", Self.headerFields(batch, serial: nil)).status == .badRequest)
            #expect(b.lastBody.contains("Cột cho «Số hiệu văn bằng»"), "\(b.lastBody)")
            #expect(Self.batch(b.lastBody) == batch)

            // Mapped, but Cúc's row has an impossible date: the report names file, line, column and field (line 4:
            // the header's quoted line break makes it two lines of the file).
            #expect(try await b.post("/digitize/check", Self.headerFields(batch, serial: "SH")).status == .badRequest)
            #expect(b.lastBody.contains("report FAILED"), "\(b.lastBody)")
            #expect(b.lastBody.contains("Tệp Sổ gốc 2019.csv, dòng 4"), "\(b.lastBody)")
            #expect(b.lastBody.contains("(Ngày sinh)"))
            #expect(Self.select(b.lastBody, "serial").contains("value=\"SH\" selected"), "the mapping stays as chosen")
            #expect(try Archive.open(at: fx.archivePath).find(.init(text: "tran thi cuc")).isEmpty)

            // The corrected spreadsheet alone replaces the staged one; the check then passes.
            let (h2, body2) = multipart([
                ("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8)), ("batch", nil, nil, Array(batch.utf8)),
                ("ledger", "Sổ gốc 2019 (đã sửa).csv", "text/csv", Self.csv(Self.good)),
            ])
            #expect(try await b.request(.post, "/digitize/replace", headers: h2, body: body2).status == .ok)
            #expect(b.lastBody.contains("Sổ gốc 2019 (đã sửa).csv") && Self.batch(b.lastBody) == batch, "\(b.lastBody)")
            // The registrar's choices from the failed check stay: the serial's column and the header typed.
            #expect(Self.select(b.lastBody, "serial").contains("value=\"SH\" selected"), "\(b.lastBody)")
            #expect(b.lastBody.contains("value=\"123/QĐ-PGDĐT\""), "\(b.lastBody)")
            #expect(try await b.post("/digitize/check", Self.headerFields(batch, serial: "SH")).status == .ok)
            #expect(b.lastBody.contains("report PASSED") && b.lastBody.contains("id=\"commit\""), "\(b.lastBody)")
            #expect(try await b.post("/digitize/commit", [("batch", batch)]).status == .ok)
            #expect(b.lastBody.contains("data-committed=\"yes\""), "\(b.lastBody)")
            #expect(try Archive.open(at: fx.archivePath).find(.init(text: "tran thi cuc")).count == 1)

            // The next file of the same layout: the confirmed mapping is proposed, "SH" included.
            try await b.get("/digitize")
            let (h3, body3) = multipart([
                ("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8)), ("ledger", "so-goc-2020.csv", "text/csv", Self.csv(Self.good)),
            ])
            #expect(try await b.request(.post, "/digitize", headers: h3, body: body3).status == .ok)
            #expect(b.lastBody.contains("id=\"preset-note\"") && b.lastBody.contains("Trường THCS Tân Lập"), "\(b.lastBody)")
            #expect(Self.select(b.lastBody, "serial").contains("value=\"SH\" selected"))
            #expect(b.lastBody.contains("value=\"Phòng Giáo dục và Đào tạo huyện Tân Lập\""))
        }
    }

    @Test func aBatchThatIsGoneOrForgedIsRefused() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            try await b.get("/digitize")
            #expect(try await b.post("/digitize/check", Self.headerFields("AAAAAAAAAAAAAAAAAAAAAAAA", serial: "SH")).status == .notFound)
            try await b.get("/digitize")
            #expect(try await b.post("/digitize/check", Self.headerFields("../../etc", serial: "SH")).status == .notFound)
        }
    }
}

@Suite struct StudentImportScreenTests {
    @Test func theRegistrarChecksThenStoresTheStudentList() async throws {
        let fx = try Fixture()
        let dir = TempDirectory()
        let bad = dir.path + "/bad.xlsx"
        let good = dir.path + "/good.xlsx"
        try studentListXLSX(
            bad, rows: [["1", "0123456701", "Nguyễn Văn An", "41348", "Nam"], ["2", "0123456702", "Trần Thị Bích", "31/02/2013", "Nữ"]])
        try studentListXLSX(
            good, rows: [["1", "0123456701", "Nguyễn Văn An", "41348", "Nam"], ["2", "0123456702", "Trần Thị Bích", "02/11/2013", "Nữ"]])
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            try await b.get("/import/students")
            func upload(_ path: String) async throws -> Reply {
                let (h, body) = multipart([
                    ("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8)),
                    (
                        "students", "C1-HocSinh.xlsx", "application/octet-stream",
                        Array(try #require(FileManager.default.contents(atPath: path)))
                    ),
                ])
                return try await b.request(.post, "/import/students", headers: h, body: body)
            }
            #expect(try await upload(bad).status == .badRequest)
            #expect(b.lastBody.contains("report FAILED") && b.lastBody.contains("Trang tính 6A1, dòng 4, cột «ngày sinh»"), "\(b.lastBody)")
            #expect(!b.lastBody.contains("id=\"commit\""))
            #expect(try await upload(good).status == .ok)
            #expect(b.lastBody.contains("report PASSED") && b.lastBody.contains("id=\"commit\""), "\(b.lastBody)")
            let batch = try #require(ImportMappingTests.batch(b.lastBody))
            #expect(try await b.post("/import/students/commit", [("batch", batch)]).status == .ok)
            #expect(b.lastBody.contains("data-committed=\"yes\""), "\(b.lastBody)")
            let a = try Archive.open(at: fx.archivePath)
            #expect(try a.current(record: "hs-0123456701").1.body["dateOfBirth"]?.stringValue == "2013-03-15")
            #expect(try a.recordIds(ofType: "person").contains("hs-0123456702"))
        }
    }
}
