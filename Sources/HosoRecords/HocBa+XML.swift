import Foundation

/// The XML export of a học bạ (Schemas/hoc-ba.xsd, namespace `urn:hoso:hoc-ba:1`). The whole mapping from hoso's
/// schema to XML is `export`: when MOET publishes an official schema, its mapping is a second function beside this
/// one, and nothing else changes.
public enum HocBaXML {
    public static let namespace = "urn:hoso:hoc-ba:1"

    /// The document: UTF-8, NFC, elements in the XSD's order; optional values left out when absent.
    public static func export(_ hb: HocBa) -> String {
        var x = XMLWriter()
        x.open("hocBa", attributes: [("xmlns", namespace), ("version", String(hb.version))])
        x.open("truong")
        x.leaf("ten", hb.school.name)
        x.leaf("coQuanChuQuan", hb.school.superiorBody)
        x.leaf("diaDiem", hb.school.place)
        x.leaf("ma", hb.school.code)
        x.close()
        x.open("hocSinh")
        x.leaf("hoTen", hb.student.fullName)
        x.leaf("ngaySinh", hb.student.dateOfBirth)
        x.leaf("maDinhDanh", hb.student.moetId)
        x.leaf("gioiTinh", hb.student.sex)
        x.leaf("noiSinh", hb.student.placeOfBirth)
        x.leaf("danToc", hb.student.ethnicity)
        x.leaf("soCCCD", hb.student.citizenId)
        x.close()
        x.leaf("namHoc", hb.schoolYear)
        x.leaf("lop", hb.class)
        x.leaf("khoi", String(hb.grade))
        x.leaf("capHoc", hb.level.rawValue)
        x.leaf("khungDanhGia", hb.framework)
        x.open("monHoc")
        for s in hb.subjects {
            x.open("mon", attributes: [("danhGia", s.assessment)])
            x.leaf("ten", s.subject)
            x.leaf("hocKi1", s.term1)
            x.leaf("hocKi2", s.term2)
            x.leaf("caNam", s.year)
            x.leaf("diemKiemTra", s.testScore.map(String.init))
            x.leaf("mienHoc", s.exempt.map { $0 ? "true" : "false" })
            x.leaf("giaoVien", s.teacher)
            x.leaf("nhanXet", s.remarks)
            x.close()
        }
        x.close()
        if let r = hb.results {
            x.open("ketQua")
            for (name, p) in [("hocKi1", r.term1), ("hocKi2", r.term2), ("caNam", r.year)] {
                x.open(name)
                x.leaf("hocTap", p.learning)
                x.leaf("renLuyen", p.conduct)
                x.close()
            }
            x.close()
        }
        if let p = hb.primaryResults {
            x.open("ketQuaTieuHoc")
            x.open("phamChat")
            for r in p.qualities { x.leaf("muc", r.level, attributes: [("ten", r.name)]) }
            x.close()
            x.open("nangLuc")
            for r in p.competences { x.leaf("muc", r.level, attributes: [("ten", r.name)]) }
            x.close()
            x.leaf("hoanThanhChuongTrinh", p.completion)
            x.close()
        }
        x.leaf("ketQuaCuoiNam", hb.outcome)
        x.leaf("soBuoiNghi", hb.absentDays.map(String.init))
        if let awards = hb.awards, !awards.isEmpty {
            x.open("khenThuong")
            for a in awards { x.leaf("muc", a) }
            x.close()
        }
        x.leaf("nhanXetGVCN", hb.homeroomRemarks)
        if let c = hb.lowerSecondaryCompletion {
            x.leaf("xacNhanHoanThanhTHCS", c.text, attributes: [("xacNhan", c.confirmed ? "true" : "false")])
        }
        x.leaf("giaoVienChuNhiem", hb.homeroomTeacher)
        x.leaf("hieuTruong", hb.principal)
        x.leaf("hocBaTuKetQua", hb.transcript)
        x.close()
        return x.text
    }
}

/// A small writer of indented XML: escaped text and attributes, NFC.
private struct XMLWriter {
    var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    var stack = [String]()

    mutating func open(_ name: String, attributes: [(String, String)] = []) {
        text += indent + "<" + name + attrs(attributes) + ">\n"
        stack.append(name)
    }

    mutating func close() {
        let name = stack.removeLast()
        text += indent + "</" + name + ">\n"
    }

    mutating func leaf(_ name: String, _ value: String?, attributes: [(String, String)] = []) {
        guard let value else { return }
        text += indent + "<" + name + attrs(attributes) + ">" + Self.escape(value) + "</" + name + ">\n"
    }

    var indent: String { String(repeating: "  ", count: stack.count) }

    func attrs(_ a: [(String, String)]) -> String { a.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined() }

    /// Escapes markup characters and drops the control characters XML 1.0 cannot carry.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.precomposedStringWithCanonicalMapping.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default: if u.value >= 0x20 && u.value != 0xFFFE && u.value != 0xFFFF { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
