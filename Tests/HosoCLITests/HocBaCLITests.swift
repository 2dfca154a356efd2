import Foundation
import HosoKit
import HosoTestSupport
import Testing

/// A class's học bạ through the binary: grade books imported, people and assignments recorded, the học bạ built,
/// signed by the homeroom teacher, the principal and the school's seal in that order (a batch each), verified
/// (exit 0), half-signed (exit 7) and tampered with (exit 8), an out-of-order seal refused, the XML exported.
@Suite struct HocBaCLITests {
    static let pw = ["PW": "pw"]
    static let school = "Trường THCS Tân Lập"
    static let year = "2025-2026"

    func fingerprint(_ box: Sandbox, _ name: String) throws -> String {
        try spawn("/bin/sh", ["-c", "openssl x509 -in pki/\(name).crt.pem -outform DER | sha256sum | cut -c1-64"], cwd: box.root)
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func prepare(_ box: Sandbox) throws {
        try #require(try box.hoso(["pki", "demo", "pki", "--password-env", "PW"], env: Self.pw).status == 0)
        try box.initArchive()
        let roots = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/roots")).map { "pki/roots/\($0)" }
        let cas = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/ca")).map { "pki/ca/\($0)" }
        let crls = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/crl")).filter { $0.hasSuffix(".crl") }.map {
            "pki/crl/\($0)"
        }
        try box.write(
            "office.json",
            """
            {"officeName": "\(Self.school)", "superiorBody": "Phòng Giáo dục và Đào tạo huyện Tân Lập",
             "place": "Tân Lập", "signerTitle": "Hiệu trưởng", "signerName": "Phạm Quốc Đức", "officeCode": "THCS-TL",
             "workingDays": [1, 2, 3, 4, 5], "holidays": [], "cutoff": "15:00", "closing": "17:00", "utcOffset": "+07:00",
             "verificationDays": 5, "copySigners": ["\(try fingerprint(box, "van-phong"))"]}
            """)
        try box.write(
            "header.json",
            """
            {"school": "\(Self.school)", "class": "9A", "schoolYear": "\(Self.year)", "level": "THCS",
             "subjects": [{"subject": "Toán", "teacher": "Lê Thị Hoa", "periodsPerYear": 140, "assessment": "scored"}]}
            """)
        let head = "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n"
        try box.write(
            "hk1.csv", head + "2200000001,Lò Thị Mai,12/04/2011,8,8,8,8,8,8,\r\n2200000002,Hà Văn Páo,01/02/2011,7,7,7,7,7,7,\r\n")
        try box.write(
            "hk2.csv", head + "2200000001,Lò Thị Mai,12/04/2011,9,9,9,9,9,9,\r\n2200000002,Hà Văn Páo,01/02/2011,6,6,6,6,6,6,\r\n")
        for (id, name, cert) in [("p-nhung", "Lê Thị Hồng Nhung", "gvcn"), ("p-duc", "Phạm Quốc Đức", "hieu-truong")] {
            try box.write(
                "\(id).json",
                """
                {"fullName": "\(name)", "dateOfBirth": "1980-01-02", "roles": ["teacher"],
                 "certificates": [{"sha256": "\(try fingerprint(box, cert))"}]}
                """)
        }
        try box.write(
            "as-gvcn.json",
            """
            {"person": "p-nhung", "role": "homeroom-teacher", "school": "\(Self.school)", "class": "9A", "schoolYear": "\(Self.year)",
             "from": "2020-01-01", "title": "Giáo viên chủ nhiệm lớp 9A"}
            """)
        try box.write(
            "as-ht.json",
            """
            {"person": "p-duc", "role": "principal", "school": "\(Self.school)", "from": "2020-01-01", "title": "Hiệu trưởng"}
            """)
        for args in [
            ["trust", "add"] + roots, ["trust", "ca"] + cas, ["trust", "crl"] + crls, ["office", "set", "office.json"],
            ["gradebook", "import", "hk1.csv", "--header", "header.json", "--subject", "Toán", "--term", "HK1"],
            ["gradebook", "import", "hk2.csv", "--header", "header.json", "--subject", "Toán", "--term", "HK2"],
            ["record", "new", "person", "p-nhung", "p-nhung.json"], ["record", "new", "person", "p-duc", "p-duc.json"],
            ["record", "new", "assignment", "as-gvcn", "as-gvcn.json"], ["record", "new", "assignment", "as-ht", "as-ht.json"],
        ] {
            let r = try box.hoso(args)
            try #require(r.status == 0, "\(args): \(r)")
        }
    }

    func sign(_ box: Sandbox, _ role: String, _ key: String) throws -> ProgramOutput {
        try box.hoso(
            [
                "hocba", "sign", "--role", role, "--key", "pki/\(key).p12", "--password-env", "PW", "--school", Self.school,
                "--class", "9A", "--year", Self.year, "--out-dir", ".",
            ], env: Self.pw)
    }

    @Test func buildSignInOrderVerifyAndExport() throws {
        try withSandbox { box in
            try prepare(box)
            let built = try box.hoso("hocba", "build", "--school", Self.school, "--class", "9A", "--year", Self.year)
            try #require(built.status == 0, "\(built)")
            let id = "hoc-ba/2200000001/\(Self.year)"
            let file = id.replacingOccurrences(of: "/", with: "_") + ".pdf"

            let early = try sign(box, "seal", "van-phong")
            #expect(early.status != 0 && early.err.contains("HOC_BA_SIGNATURE_ORDER"), "\(early)")
            let first = try sign(box, "homeroom", "gvcn")
            try #require(first.status == 0, "\(first)")
            #expect(first.out.contains("hoc-ba/2200000002/\(Self.year)"), "the batch signs the whole class: \(first)")
            let half = try box.hoso("hocba", "verify", file)
            #expect(half.status == 7 && half.out.contains("HOC_BA_INCOMPLETE"), "\(half)")
            let sealTooSoon = try sign(box, "seal", "van-phong")
            #expect(sealTooSoon.status != 0 && sealTooSoon.err.contains("HOC_BA_SIGNATURE_ORDER"), "\(sealTooSoon)")
            try #require(try sign(box, "principal", "hieu-truong").status == 0)
            try #require(try sign(box, "seal", "van-phong").status == 0)

            let ok = try box.hoso("hocba", "verify", file, "--json")
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.out.contains("\"complete\" : true") && ok.out.contains("\"locked\" : true"), "\(ok.out.prefix(400))")
            let text = try box.hoso("hocba", "verify", file)
            #expect(text.out.contains("Lê Thị Hồng Nhung") || text.out.contains("PASSED"), "\(text)")

            // One byte of the seal-covered range changed: FAILED, exit 8.
            var bytes = [UInt8](try box.read(file))
            let at = try #require(byteOffset(of: Array("/Creator".utf8), in: bytes))
            bytes[at + 1] = UInt8(ascii: "c")
            try box.write("tampered.pdf", Data(bytes))
            #expect(try box.hoso("hocba", "verify", "tampered.pdf").status == 8)

            let xml = try box.hoso("hocba", "export-xml", id, "--out", "hb.xml")
            try #require(xml.status == 0, "\(xml)")
            let lint = try spawn("/usr/bin/xmllint", ["--noout", "--schema", repoRoot + "/Schemas/hoc-ba.xsd", "hb.xml"], cwd: box.root)
            #expect(lint.status == 0, "\(lint)")
            try box.expectSound("after signing a class's học bạ")
        }
    }

    /// A primary class (TT 27/2020): built from its year-end evaluations with --ratings, signed in the same order,
    /// verified PASSED; a bad file is refused at file:row:column and writes nothing.
    @Test func primaryClassFromRatingsSignInOrderAndVerify() throws {
        try withSandbox { box in
            try prepare(box)
            try box.write(
                "as-gvcn-3a.json",
                """
                {"person": "p-nhung", "role": "homeroom-teacher", "school": "\(Self.school)", "class": "3A", "schoolYear": "\(Self.year)",
                 "from": "2020-01-01", "title": "Giáo viên chủ nhiệm lớp 3A"}
                """)
            try #require(try box.hoso("record", "new", "assignment", "as-gvcn-3a", "as-gvcn-3a.json").status == 0)
            let head =
                "Mã định danh,Họ và tên,Ngày sinh,Tiếng Việt,Điểm: Tiếng Việt,Toán,Điểm: Toán,Tiếng Anh,Điểm: Tiếng Anh,"
                + "Phẩm chất: Trung thực,Năng lực: Giao tiếp và hợp tác,Nhận xét\r\n"
            try box.write(
                "bad.csv", head + "2300000011,Lò Văn Tú,02/09/2016,T,9,T,10,T,9,Tốt,Tốt,\r\n,Hà Thị Nga,05/01/2016,H,7,H,6,H,7,Đạt,Đạt,\r\n"
            )
            let cls = ["--school", Self.school, "--class", "3A", "--year", Self.year]
            let bad = try box.hoso(["hocba", "build", "--ratings", "bad.csv"] + cls)
            #expect(bad.status != 0 && bad.err.contains("bad.csv:3:Mã định danh") && bad.err.contains("MOET_ID_INVALID"), "\(bad)")
            // Grade 1 has no Tiếng Anh test.
            let grade1 = try box.hoso(["hocba", "build", "--ratings", "bad.csv", "--grade", "1"] + cls)
            #expect(grade1.err.contains("bad.csv:2:Điểm: Tiếng Anh") && grade1.err.contains("GRADEBOOK_UNEXPECTED_VALUE"), "\(grade1)")
            #expect(try box.hoso("hocba", "export-xml", "hoc-ba/2300000011/\(Self.year)").status != 0, "nothing was written")

            try box.write("3A.csv", head + "2300000011,Lò Văn Tú,02/09/2016,T,9,T,10,T,9,Tốt,Tốt,Chăm ngoan\r\n")
            let built = try box.hoso(["hocba", "build", "--ratings", "3A.csv", "--json"] + cls)
            try #require(built.status == 0, "\(built)")
            #expect(built.out.contains("hoc-ba/2300000011/\(Self.year)") && built.out.contains("Lò Văn Tú"), "\(built.out)")
            let file = "hoc-ba_2300000011_\(Self.year).pdf"
            for (role, key) in [("homeroom", "gvcn"), ("principal", "hieu-truong"), ("seal", "van-phong")] {
                let r = try box.hoso(
                    [
                        "hocba", "sign", "--role", role, "--key", "pki/\(key).p12", "--password-env", "PW", "--out-dir", ".",
                    ] + cls, env: Self.pw)
                try #require(r.status == 0, "\(role): \(r)")
            }
            let ok = try box.hoso("hocba", "verify", file)
            #expect(ok.status == 0 && ok.out.contains("PASSED"), "\(ok)")
            let xml = try box.hoso("hocba", "export-xml", "hoc-ba/2300000011/\(Self.year)", "--out", "hb.xml")
            try #require(xml.status == 0, "\(xml)")
            let lint = try spawn("/usr/bin/xmllint", ["--noout", "--schema", repoRoot + "/Schemas/hoc-ba.xsd", "hb.xml"], cwd: box.root)
            #expect(lint.status == 0, "\(lint)")
            try box.expectSound("after signing a primary class's học bạ")
        }
    }
}
