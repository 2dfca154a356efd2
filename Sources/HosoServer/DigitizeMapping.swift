import Foundation
import HosoAccounts
import HosoKit
import HosoRecords

/// What the registrar chose on the mapping screen: which column holds each ledger field, and the ledger header.
struct MappingChoice: Sendable, Codable, Equatable {
    var columns: [String: String] = [:]
    var header: [String: String] = [:]

    init(columns: [String: String], header: [String: String]) {
        self.columns = columns
        self.header = header
    }

    init(form: Form) {
        for f in LedgerMappingProposal.fields {
            if let v = form["col-" + f.name], !v.isEmpty { columns[f.name] = v }
        }
        for h in LedgerMappingProposal.headerFields {
            if let v = form["h-" + h.name] { header[h.name] = v }
        }
    }

    /// A ledger id made from what was typed, when the registrar leaves it empty: school, level, year, decision.
    var derivedRecordId: String {
        let parts = ["school", "level", "year", "decisionNumber"].map { key -> String in
            VietnameseText.fold(header[key] ?? "").uppercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
                .reduce(into: "") { s, c in if !(c == "-" && s.hasSuffix("-")) { s.append(c) } }
                .trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        }
        return String(parts.filter { !$0.isEmpty }.joined(separator: "/").prefix(200))
    }
}

/// The mapping screen's content for a staged batch.
struct MappingScreen: Sendable {
    var token: String
    var fileName: String
    /// The file's column titles, in order.
    var header: [String]
    /// Up to three values of each column (by title) from the first rows.
    var samples: [String: [String]]
    var chosen: MappingChoice
    /// The school whose saved mapping was proposed, if one was.
    var presetSchool: String?
}

extension DigitizeRoutes {
    /// Header values kept in a school's preset (the ledger's own id, decision and year are typed each time).
    static let presetHeaderKeys = ["issuer", "title", "level", "mode", "school", "dateFormat"]

    /// Reads the staged spreadsheet's header and first rows and proposes a mapping: `chosen` as the registrar
    /// left it, else the saved mapping of this layout, else one found from the titles.
    static func mappingScreen(state: ServerState, token: String, chosen: MappingChoice?) async throws -> MappingScreen {
        guard let dir = staged(token) else { throw gone() }
        let table = try await state.blocking { try LedgerFiles.readTable(dir.ledger, sheet: nil) }
        var samples = [String: [String]]()
        for (i, title) in table.header.enumerated() where !title.isEmpty {
            samples[title] = table.rows.prefix(3).compactMap {
                i < $0.cells.count && !$0.cells[i].isEmpty ? String($0.cells[i].prefix(40)) : nil
            }
        }
        var screen = MappingScreen(
            token: token, fileName: uploadedName(token) ?? "", header: table.header, samples: samples,
            chosen: chosen ?? MappingChoice(columns: [:], header: [:]), presetSchool: nil)
        guard chosen == nil else { return screen }
        let signature = HeaderMatch.signature(table.header)
        if let preset = try await state.archive.with({ try $0.importPreset(signature: signature, school: nil) }) {
            screen.chosen = MappingChoice(columns: preset.columns.filter { table.header.contains($0.value) }, header: preset.header)
            screen.presetSchool = preset.school
        } else {
            screen.chosen.columns = LedgerMappingProposal.propose(header: table.header)
            // The date format: the first that reads the first date of birth.
            if let title = screen.chosen.columns["dateOfBirth"], let first = samples[title]?.first {
                screen.chosen.header["dateFormat"] = LedgerMappingProposal.dateFormats.first { DateCell.parse(first, format: $0) != nil }
            }
        }
        return screen
    }

    /// Saves the mapping that passed a check, under its school and the file's layout.
    static func savePreset(state: ServerState, token: String, chosen: MappingChoice, author: String) async throws {
        guard let dir = staged(token) else { return }
        let table = try await state.blocking { try LedgerFiles.readTable(dir.ledger, sheet: nil) }
        let preset = ImportPreset(
            school: chosen.header["school"] ?? "", signature: HeaderMatch.signature(table.header), columns: chosen.columns,
            header: chosen.header.filter { presetHeaderKeys.contains($0.key) })
        try await state.archive.with { try $0.saveImportPreset(preset, author: author) }
    }

    /// Where in the files or the mapping a problem is, in words: "Tệp so-goc.csv, dòng 12, cột «Ngày sinh» (Ngày
    /// sinh): " for a cell (the column as its header names it, then the ledger field it was matched to), "Cột cho
    /// «Số hiệu văn bằng»: " or "Đầu sổ, «Năm tốt nghiệp»: " for the mapping; nothing for other places.
    static func placeText(_ c: HosoContext, _ location: String?, screen: MappingScreen? = nil) -> String {
        guard let loc = location, !loc.isEmpty else { return "" }
        if let hash = loc.range(of: "#/") {
            let pointer = loc[hash.upperBound...].split(separator: "/").map(String.init)
            guard let first = pointer.first else { return "" }
            if first == "columns", pointer.count > 1, let l = LedgerMappingProposal.label(pointer[1]) {
                return c.t("Cột cho «\(l.vi)»: ", "Column for «\(l.en)»: ")
            }
            let key =
                first == "recordId"
                ? "recordId"
                : pointer.count > 2 && pointer[1] == "decision"
                    ? "decision" + pointer[2].prefix(1).uppercased() + pointer[2].dropFirst() : pointer.count > 1 ? pointer[1] : first
            if let l = LedgerMappingProposal.label(key) { return c.t("Đầu sổ, «\(l.vi)»: ", "Ledger header, «\(l.en)»: ") }
            return c.t("Cách ghép cột: ", "Column mapping: ")
        }
        let parts = loc.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let file = screen.map { $0.fileName.isEmpty ? "" : c.t("Tệp \($0.fileName), ", "File \($0.fileName), ") } ?? ""
        if parts.count >= 3, let line = Int(parts[parts.count - 2]) {
            let title = parts[parts.count - 1].split(separator: " (").first.map(String.init) ?? parts[parts.count - 1]
            let field = screen?.chosen.columns.first { HeaderMatch.key($0.value) == HeaderMatch.key(title) }?.key
            let label = field.flatMap(LedgerMappingProposal.label).map { " (\(c.t($0)))" } ?? ""
            return file + c.t("dòng \(line), cột «\(title)»\(label): ", "line \(line), column «\(title)»\(label): ")
        }
        if parts.count == 2, let line = Int(parts[1]) { return file + c.t("dòng \(line): ", "line \(line): ") }
        return ""
    }

    /// The mapping screen: one choice of column per ledger field (required ones marked, sample values shown),
    /// the ledger header, and the check; below it, the replacement of the spreadsheet alone.
    static func mappingForm(_ c: HosoContext, _ s: Session, _ m: MappingScreen, reason: String?) -> HTML {
        let titles = m.header.filter { !$0.isEmpty }
        return el("section", [("class", "card"), ("id", "mapping")]) {
            el(
                "h2",
                text: m.fileName.isEmpty
                    ? c.t("Ghép cột của tệp với các mục của sổ gốc", "Match the file's columns to the ledger's fields")
                    : c.t(
                        "Ghép cột của tệp «\(m.fileName)» với các mục của sổ gốc",
                        "Match the columns of «\(m.fileName)» to the ledger's fields"))
            if let school = m.presetSchool {
                el(
                    "p", [("class", "note"), ("id", "preset-note")],
                    text: c.t(
                        "Đã dùng cách ghép cột đã lưu lần trước cho \(school.isEmpty ? "mẫu tệp này" : school); hãy xem lại trước khi kiểm tra.",
                        "The mapping saved last time for \(school.isEmpty ? "this layout" : school) is proposed; look it over before checking."
                    ))
            } else {
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Cột được đề xuất theo tiêu đề trong tệp; hãy sửa những ô chưa đúng. Mục có dấu * là bắt buộc.",
                        "Columns are proposed from the file's titles; correct what is wrong. Fields marked * are required."))
            }
            el("form", [("method", "post"), ("action", "/digitize/check"), ("id", "mapping-form")]) {
                Pages.csrfField(s)
                el("input", [("type", "hidden"), ("name", "batch"), ("value", m.token)])
                el("fieldset") {
                    el("legend", text: c.t("Cột trong tệp", "Columns in the file"))
                    for f in LedgerMappingProposal.fields {
                        el("label", [("for", "col-" + f.name)], text: c.t(f.label) + (f.required ? " *" : ""))
                        el(
                            "select",
                            [("name", "col-" + f.name), ("id", "col-" + f.name)] + (f.required ? [("aria-required", "true")] : [])
                        ) {
                            el("option", [("value", "")], text: c.t("— Không có trong tệp —", "— Not in the file —"))
                            for t in titles {
                                let sample = (m.samples[t] ?? []).joined(separator: "; ")
                                el(
                                    "option", [("value", t)] + (m.chosen.columns[f.name] == t ? [("selected", "")] : []),
                                    text: t.split(whereSeparator: \.isNewline).joined(separator: " ")
                                        + (sample.isEmpty ? "" : c.t(" — ví dụ: ", " — e.g. ") + sample))
                            }
                        }
                    }
                }
                el("fieldset") {
                    el("legend", text: c.t("Thông tin đầu sổ", "The ledger header"))
                    for h in LedgerMappingProposal.headerFields {
                        let value = m.chosen.header[h.name] ?? ""
                        let label =
                            h.name == "recordId"
                            ? c.t("Ký hiệu sổ (để trống để tự đặt)", "Ledger reference (leave empty for one made up)") : c.t(h.label)
                        el("label", [("for", "h-" + h.name)], text: label)
                        switch h.name {
                        case "level":
                            el("select", [("name", "h-level"), ("id", "h-level")]) {
                                for l in ["THCS", "THPT"] { el("option", [("value", l)] + (value == l ? [("selected", "")] : []), text: l) }
                            }
                        case "dateFormat":
                            el("select", [("name", "h-dateFormat"), ("id", "h-dateFormat")]) {
                                for (f, example) in zip(
                                    LedgerMappingProposal.dateFormats, ["15/03/2008", "5/3/2008", "15-03-2008", "15.03.2008", "2008-03-15"])
                                {
                                    el("option", [("value", f)] + (value == f ? [("selected", "")] : []), text: example)
                                }
                            }
                        default:
                            el("input", [("name", "h-" + h.name), ("id", "h-" + h.name), ("value", value)])
                        }
                    }
                }
                el(
                    "label", [("for", "check-reason")],
                    text: c.t("Lý do (khi sổ đã có và khác)", "Reason (when the ledger exists and differs)"))
                el("input", [("name", "reason"), ("id", "check-reason"), ("value", reason ?? "")])
                el("button", [("type", "submit"), ("id", "check")], text: c.t("Kiểm tra (chạy thử)", "Check (dry run)"))
            }
            el(
                "form",
                [("method", "post"), ("action", "/digitize/replace"), ("enctype", "multipart/form-data"), ("id", "replace")]
            ) {
                Pages.csrfField(s)
                el("input", [("type", "hidden"), ("name", "batch"), ("value", m.token)])
                el("label") {
                    c.t(
                        "Thay tệp sổ bằng bản đã sửa (ảnh quét đã tải lên được giữ nguyên)",
                        "Replace the ledger file with a corrected one (the scans uploaded stay)")
                    el("input", [("type", "file"), ("name", "ledger"), ("id", "replace-ledger"), ("accept", ".csv,.xlsx")])
                }
                el("button", [("type", "submit"), ("id", "replace-submit")], text: c.t("Thay tệp", "Replace the file"))
            }
        }
    }
}
