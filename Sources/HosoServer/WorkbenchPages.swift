import Foundation
import HosoAccounts
import HosoKit
import HosoRecords

/// The workbench's screens (see `WorkbenchRoutes`).
enum WorkbenchPages {
    static func label(_ field: String) -> LocalizedText {
        switch field {
        case "stt": return .both("Số thứ tự", "Row number")
        case "ledgerNumber": return .both("Số vào sổ gốc", "Ledger number")
        case "serial": return .both("Số hiệu văn bằng", "Diploma serial")
        case "fullName": return .both("Họ và tên", "Full name")
        case "dateOfBirth": return .both("Ngày sinh (dd/mm/yyyy)", "Date of birth (dd/mm/yyyy)")
        case "sex": return .both("Giới tính (Nam/Nữ)", "Sex (Nam/Nữ)")
        case "placeOfBirth": return .both("Nơi sinh", "Place of birth")
        case "ethnicity": return .both("Dân tộc", "Ethnicity")
        case "graduationGrade": return .both("Xếp loại tốt nghiệp", "Graduation grade")
        case "notes": return .both("Ghi chú", "Notes")
        default: return .both(field, field)
        }
    }

    static func problemText(_ c: HosoContext, _ p: KeyingProblem) -> String { c.lang == .en ? p.messageEn : p.message }

    static func errors(_ c: HosoContext, _ problems: [HosoError]) -> HTML {
        if problems.isEmpty { return .empty }
        return el("div", [("role", "alert")]) {
            el("ul", [("class", "errors"), ("id", "problems")]) {
                for p in problems {
                    el("li", [("data-code", p.code.rawValue)], text: c.t(p.message))
                }
            }
        }
    }

    /// How far a ledger is: pages keyed twice and finished, of all.
    static func progress(_ c: HosoContext, _ status: KeyingStatus) -> String {
        let done = status.pages.filter { $0.finished.count == 2 }.count
        let undecided = status.differences.filter { $0.decision == nil }.count
        return c.t(
            "\(done)/\(status.pages.count) trang đã nhập đủ hai lần; \(undecided) chỗ khác nhau chưa quyết định",
            "\(done)/\(status.pages.count) pages keyed twice; \(undecided) differences not decided")
    }

    // MARK: - The list and the start form

    static func listPage(_ c: HosoContext, _ s: Session, _ list: [(KeyingLedger, KeyingStatus)], problems: [HosoError], form: Form?) -> HTML
    {
        Pages.layout(c, title: c.t("Nhập sổ gốc từ ảnh quét", "Keying a ledger from its scans")) {
            errors(c, problems)
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Mỗi trang do hai cán bộ nhập độc lập; chỗ khác nhau do một cán bộ thứ ba đối chiếu với ảnh quét rồi quyết định.",
                    "Two registrars key each page independently; a third compares their differences with the scan and decides."))
            if !list.isEmpty {
                el("h2", text: c.t("Sổ đang nhập", "Ledgers being keyed"))
                el("div", [("class", "table-wrap")]) {
                    el("table", [("id", "keying-ledgers")]) {
                        el("thead") {
                            el("tr") {
                                el("th", [("scope", "col")], text: c.t("Sổ", "Ledger"))
                                el("th", [("scope", "col")], text: c.t("Trường, năm", "School, year"))
                                el("th", [("scope", "col")], text: c.t("Tiến độ", "Progress"))
                            }
                        }
                        el("tbody") {
                            for (l, st) in list {
                                el("tr") {
                                    el("td") { el("a", [("href", "/workbench/\(l.id)")], text: l.header.title) }
                                    el("td", text: "\(l.header.school), \(l.header.year)")
                                    el(
                                        "td",
                                        text: l.committedRevision != nil ? c.t("Đã ghi vào kho", "Stored in the archive") : progress(c, st))
                                }
                            }
                        }
                    }
                }
            }
            startForm(c, s, form: form)
        }
    }

    static func startForm(_ c: HosoContext, _ s: Session, form: Form?) -> HTML {
        func field(_ name: String, _ title: LocalizedText, hint: String? = nil) -> HTML {
            el("label") {
                c.t(title)
                el("input", [("name", name), ("id", "h-" + name), ("value", form?[name] ?? ""), ("required", ""), ("placeholder", hint)])
            }
        }
        return el(
            "form", [("method", "post"), ("action", "/workbench"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "start")]
        ) {
            Pages.csrfField(s)
            el("h2", text: c.t("Bắt đầu một sổ từ ảnh quét", "Start a ledger from its scans"))
            field("title", .both("Tên sổ", "Ledger title"))
            field("issuer", .both("Cơ quan cấp", "Issuing body"))
            field("school", .both("Trường", "School"))
            el("label") {
                c.t("Cấp học", "Level")
                el("select", [("name", "level"), ("id", "h-level")]) {
                    for l in ["THCS", "THPT"] {
                        el("option", [("value", l), ("selected", form?["level"] == l ? "" : nil)], text: l)
                    }
                }
            }
            field("year", .both("Năm tốt nghiệp", "Graduation year"), hint: "2019")
            field("decisionNumber", .both("Số quyết định công nhận tốt nghiệp", "Graduation decision number"))
            field("decisionDate", .both("Ngày quyết định (dd/mm/yyyy)", "Decision date (dd/mm/yyyy)"), hint: "dd/mm/yyyy")
            field("mode", .both("Hình thức học", "Mode of study"), hint: "Chính quy")
            el("label") {
                c.t(
                    "Ảnh quét các trang (PDF, JPEG, PNG, TIFF nhiều trang), theo thứ tự trang",
                    "Page scans (PDF, JPEG, PNG, multi-page TIFF), in page order")
                el(
                    "input",
                    [
                        ("type", "file"), ("name", "scans"), ("id", "h-scans"), ("multiple", ""),
                        ("accept", ".pdf,.jpg,.jpeg,.png,.tif,.tiff"),
                    ])
            }
            el("button", [("type", "submit"), ("id", "start-submit")], text: c.t("Tạo sổ để nhập", "Create the ledger to key"))
        }
    }

    // MARK: - One ledger

    static func ledgerPage(_ c: HosoContext, _ s: Session, _ l: KeyingLedger, _ status: KeyingStatus, report: LedgerImportReport?) -> HTML {
        Pages.layout(c, title: l.header.title) {
            el("p", [("id", "ledger-progress"), ("data-ready", status.ready ? "yes" : "no")], text: progress(c, status))
            el("dl", [("class", "card")]) {
                el("dt", text: c.t("Trường", "School"))
                el("dd", text: l.header.school)
                el("dt", text: c.t("Năm tốt nghiệp", "Graduation year"))
                el("dd", text: String(l.header.year))
                el("dt", text: c.t("Cơ quan cấp", "Issuing body"))
                el("dd", text: l.header.issuer)
            }
            if let r = report { DigitizeRoutes.importReport(c, r) }
            if l.committedRevision != nil {
                el("p", [("id", "committed")]) {
                    el("span", text: c.t("Sổ đã được ghi vào kho. ", "The ledger is stored in the archive. "))
                    el("a", [("href", "/ledger")], text: c.t("Tra cứu sổ gốc", "Search the ledgers"))
                }
            }
            el("h2", text: c.t("Các trang", "Pages"))
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "keying-pages")]) {
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Trang", "Page"), c.t("Người nhập", "Keyed by"), c.t("Đã xong", "Finished"), c.t("Số dòng", "Rows"),
                                c.t("Chỗ khác nhau", "Differences"),
                            ] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for p in status.pages {
                            el("tr", [("data-page", String(p.number))]) {
                                el("td") {
                                    if l.committedRevision == nil && (p.keyers.count < 2 || p.keyers.contains(s.user.name)) {
                                        el(
                                            "a", [("href", "/workbench/\(l.id)/page/\(p.number)"), ("id", "key-page-\(p.number)")],
                                            text: c.t("Nhập trang \(p.number)", "Key page \(p.number)"))
                                    } else {
                                        el("span", text: c.t("Trang \(p.number)", "Page \(p.number)"))
                                    }
                                }
                                el("td", text: p.keyers.joined(separator: ", "))
                                el("td", text: "\(p.finished.count)/2")
                                el("td", text: String(p.entries))
                                el(
                                    "td",
                                    text: p.finished.count == 2
                                        ? "\(p.differences) (\(p.undecided) \(c.t("chưa quyết định", "undecided")))" : "—")
                            }
                        }
                    }
                }
            }
            if !status.differences.isEmpty {
                el("p") {
                    el(
                        "a", [("href", "/workbench/\(l.id)/reconcile"), ("id", "reconcile-link")],
                        text: c.t("Đối chiếu chỗ khác nhau", "Reconcile the differences"))
                }
            }
            if status.ready {
                el("form", [("method", "post"), ("action", "/workbench/\(l.id)/commit"), ("class", "card"), ("id", "commit")]) {
                    Pages.csrfField(s)
                    el(
                        "p",
                        text: c.t(
                            "Mọi trang đã được nhập hai lần và mọi chỗ khác nhau đã được quyết định.",
                            "Every page is keyed twice and every difference decided."))
                    el(
                        "button", [("type", "submit"), ("id", "commit-submit")],
                        text: c.t("Ghi sổ vào kho", "Store the ledger in the archive"))
                }
            }
        }
    }

    // MARK: - Keying

    static func keyingPage(_ c: HosoContext, _ s: Session, _ sc: WorkbenchRoutes.Screen, prefillOffered: Bool) -> HTML {
        let l = sc.ledger
        let base = "/workbench/\(l.id)/page/\(sc.page)"
        let current = sc.mine.first { $0.slot == sc.slot }
        let suggestion = sc.prefill.flatMap { sc.slot <= $0.rows.count ? $0.rows[sc.slot - 1] : nil }
        var byField = [String: String]()
        for p in sc.problems { if let f = p.field, byField[f] == nil { byField[f] = problemText(c, p) } }
        let general = sc.problems.filter { $0.field == nil }
        return Pages.layout(c, title: c.t("Nhập trang \(sc.page) / \(l.pages.count)", "Keying page \(sc.page) / \(l.pages.count)")) {
            el("p", [("class", "note")]) {
                el("a", [("href", "/workbench/\(l.id)")], text: l.header.title)
                el("span", text: " · " + progress(c, sc.status))
            }
            el("div", [("class", "wb")]) {
                el("section", [("class", "wb-scan"), ("aria-label", c.t("Ảnh quét trang \(sc.page)", "Scan of page \(sc.page)"))]) {
                    el("div", [("class", "wb-tools"), ("role", "group"), ("aria-label", c.t("Xem ảnh", "Viewing the scan"))]) {
                        el(
                            "button", [("type", "button"), ("id", "wb-zoom-in"), ("aria-keyshortcuts", "Alt+=")],
                            text: c.t("Phóng to", "Zoom in"))
                        el(
                            "button", [("type", "button"), ("id", "wb-zoom-out"), ("aria-keyshortcuts", "Alt+-")],
                            text: c.t("Thu nhỏ", "Zoom out"))
                        el(
                            "button", [("type", "button"), ("id", "wb-rotate"), ("aria-keyshortcuts", "Alt+R")], text: c.t("Xoay", "Rotate")
                        )
                        el("button", [("type", "button"), ("id", "wb-reset")], text: c.t("Vừa khung", "Fit"))
                    }
                    el(
                        "p", [("class", "detail")],
                        text: c.t(
                            "Phím tắt: Alt+= phóng to, Alt+- thu nhỏ, Alt+R xoay; kéo ảnh hoặc dùng phím mũi tên trong khung ảnh để di chuyển. Đánh dấu dòng đang nhập trên ảnh: giữ Shift và kéo từ mép trên xuống mép dưới của dòng, hoặc Alt+↑/Alt+↓ dời dải đánh dấu, Alt+Shift+↑/↓ đổi chiều cao, Alt+Enter đặt dải ở đầu phần ảnh đang xem, Alt+Backspace bỏ dải.",
                            "Keys: Alt+= zoom in, Alt+- zoom out, Alt+R rotate; drag the scan or use the arrow keys in its frame to move it. Marking the row being keyed: hold Shift and drag from the row's top edge to its bottom edge, or Alt+Up/Alt+Down move the band, Alt+Shift+Up/Down change its height, Alt+Enter puts it at the top of the visible part, Alt+Backspace removes it."
                        ))
                    el(
                        "div",
                        [("class", "wb-view"), ("id", "wb-view"), ("tabindex", "0"), ("aria-label", c.t("Khung ảnh quét", "Scan frame"))]
                    ) {
                        el("div", [("class", "wb-stage"), ("id", "wb-stage")]) {
                            el(
                                "img",
                                [
                                    ("src", base + "/image"), ("id", "wb-img"),
                                    ("alt", c.t("Ảnh quét trang \(sc.page) của sổ", "Scan of the ledger's page \(sc.page)")),
                                ])
                            el(
                                "div",
                                [
                                    ("class", "wb-region"), ("id", "wb-region"), ("hidden", ""),
                                    ("data-region", sc.band.map { LedgerKeying.regionText($0) }),
                                ])
                        }
                    }
                }
                el("section", [("class", "wb-form"), ("aria-label", c.t("Nhập một dòng", "Key one entry"))]) {
                    el(
                        "p", [("class", "note"), ("id", "handwritten-note")],
                        text: c.t(
                            "Sổ viết tay được nhập bằng tay: máy chỉ gợi ý cho sổ đánh máy hoặc in, và mọi giá trị đều do người nhập xác nhận.",
                            "Handwritten ledgers are keyed by hand: the machine only suggests for typed or printed ledgers, and a person confirms every value."
                        ))
                    el(
                        "p", [("id", "page-progress")],
                        text: c.t("Bạn đã nhập \(sc.mine.count) dòng của trang này.", "You have keyed \(sc.mine.count) rows of this page."))
                    if sc.otherKeyers {
                        el(
                            "p", [("class", "error"), ("role", "alert")],
                            text: c.t(
                                "Trang này đã có hai người nhập; bạn có thể đối chiếu khi họ xong.",
                                "Two people already key this page; you can reconcile once they finish."))
                    } else if sc.finished {
                        el(
                            "p", [("id", "page-finished")],
                            text: c.t(
                                "Bạn đã nhập xong trang này; các dòng không sửa được nữa.",
                                "You finished this page; its rows no longer change."))
                    } else {
                        if prefillOffered {
                            el("form", [("method", "post"), ("action", base + "/prefill"), ("class", "inline"), ("id", "prefill")]) {
                                Pages.csrfField(s)
                                el(
                                    "button", [("type", "submit"), ("id", "prefill-submit")],
                                    text: c.t("Gợi ý từ ảnh (OCR)", "Suggest from the scan (OCR)"))
                            }
                        }
                        if let p = sc.prefill {
                            el(
                                "p", [("class", "note"), ("id", "prefill-note")],
                                text: c.t(
                                    "Có gợi ý của máy đọc ảnh (\(p.engine)) cho \(p.rows.count) dòng: đó chỉ là gợi ý, hãy đối chiếu với ảnh và gõ hoặc xác nhận từng ô.",
                                    "A page reader (\(p.engine)) suggests \(p.rows.count) rows: suggestions only; compare with the scan and type or confirm every field."
                                ))
                        }
                        if !general.isEmpty {
                            el("ul", [("class", "errors"), ("role", "alert")]) {
                                for p in general { el("li", [("data-code", p.code)], text: problemText(c, p)) }
                            }
                        }
                        entryForm(c, s, sc, base: base, current: current, suggestion: suggestion, byField: byField)
                    }
                    if !sc.mine.isEmpty {
                        el("h2", text: c.t("Các dòng bạn đã nhập", "Rows you keyed"))
                        el("ol", [("id", "my-rows")]) {
                            for e in sc.mine {
                                el("li") {
                                    el(
                                        "a", [("href", "\(base)?row=\(e.slot)")],
                                        text: c.t("Dòng \(e.slot): ", "Row \(e.slot): ") + (e.values["fullName"]?.value ?? ""))
                                }
                            }
                        }
                    }
                    if !sc.finished && !sc.otherKeyers {
                        el(
                            "form",
                            [
                                ("method", "post"), ("action", base + "/finish"), ("id", "finish"),
                                (
                                    "data-confirm",
                                    c.t("Xong trang này? Sau đó không sửa được nữa.", "Finish this page? It no longer changes afterwards.")
                                ),
                            ]
                        ) {
                            Pages.csrfField(s)
                            el("button", [("type", "submit"), ("id", "finish-submit")], text: c.t("Xong trang này", "Finish this page"))
                        }
                    }
                }
            }
        }
    }

    static func entryForm(
        _ c: HosoContext, _ s: Session, _ sc: WorkbenchRoutes.Screen, base: String, current: KeyedEntry?, suggestion: PrefillRow?,
        byField: [String: String]
    ) -> HTML {
        el(
            "form",
            [
                ("method", "post"), ("action", base + "/entry"), ("id", "entry"), ("class", "card wb-entry"),
                ("data-check", "/api/workbench/\(sc.ledger.id)/check"), ("data-page", String(sc.page)),
            ]
        ) {
            Pages.csrfField(s)
            el("input", [("type", "hidden"), ("name", "row"), ("value", String(sc.slot))])
            // The row's band on the scan, set by the scan's keys and Shift+drag (page fractions, whatever the view).
            el(
                "input",
                [
                    ("type", "hidden"), ("name", "region"), ("id", "entry-region"),
                    ("value", sc.band.map { LedgerKeying.regionText($0) } ?? ""),
                ])
            el("h2", [("id", "entry-title")], text: c.t("Dòng \(sc.slot) trên trang \(sc.page)", "Row \(sc.slot) on page \(sc.page)"))
            for f in LedgerKeying.fields {
                let err = byField[f]
                let suggested = suggestion?.fields[f]
                el("label", [("for", "f-" + f)], text: c.t(label(f)))
                el(
                    "input",
                    [
                        ("name", f), ("id", "f-" + f), ("value", current?.values[f]?.value ?? ""), ("autocomplete", "off"),
                        ("spellcheck", "false"), ("aria-invalid", err == nil ? nil : "true"), ("aria-describedby", "err-" + f),
                        ("data-suggestion", suggested?.text), ("autofocus", f == "stt" ? "" : nil),
                    ])
                if let sg = suggested {
                    el(
                        "span", [("class", "suggestion")],
                        text: c.t(
                            "Gợi ý: \(sg.text) (độ tin cậy \(Int(sg.confidence * 100))%)",
                            "Suggestion: \(sg.text) (confidence \(Int(sg.confidence * 100))%)"))
                }
                el("span", [("class", "field-error"), ("id", "err-" + f), ("aria-live", "polite")], text: err ?? "")
            }
            if suggestion != nil {
                el(
                    "button", [("type", "button"), ("id", "wb-use-suggestions"), ("class", "secondary")],
                    text: c.t("Điền gợi ý vào ô trống", "Put the suggestions in empty fields"))
            }
            el(
                "button", [("type", "submit"), ("id", "entry-submit")],
                text: c.t("Lưu và sang dòng tiếp (Enter)", "Save and go to the next row (Enter)"))
        }
    }

    // MARK: - Reconciliation

    static func reconcilePage(_ c: HosoContext, _ s: Session, _ l: KeyingLedger, _ status: KeyingStatus) -> HTML {
        Pages.layout(c, title: c.t("Đối chiếu: \(l.header.title)", "Reconcile: \(l.header.title)")) {
            el("p", [("class", "note")]) {
                el("a", [("href", "/workbench/\(l.id)")], text: c.t("← Về sổ", "← Back to the ledger"))
                el("span", text: " · " + progress(c, status))
            }
            el(
                "p",
                text: c.t(
                    "Chỉ các ô hai người nhập khác nhau được liệt kê. Xem ảnh quét rồi chọn giá trị đúng, hoặc gõ giá trị khác (để trống nếu sổ không ghi).",
                    "Only the fields the two keyers typed differently are listed. Look at the scan, then choose the right value or type another (empty when the ledger has none)."
                ))
            if status.differences.isEmpty {
                el("p", [("id", "no-differences")], text: c.t("Không có chỗ khác nhau.", "There are no differences."))
            }
            for page in status.pages where status.differences.contains(where: { $0.page == page.number }) {
                el("section", [("class", "wb"), ("aria-label", c.t("Trang \(page.number)", "Page \(page.number)"))]) {
                    el("div", [("class", "wb-scan")]) {
                        el("h2", text: c.t("Trang \(page.number)", "Page \(page.number)"))
                        el(
                            "img",
                            [
                                ("src", "/workbench/\(l.id)/page/\(page.number)/image"), ("class", "wb-thumb"),
                                ("alt", c.t("Ảnh quét trang \(page.number)", "Scan of page \(page.number)")),
                            ])
                    }
                    el("div", [("class", "wb-form")]) {
                        if page.keyers.contains(s.user.name) {
                            el(
                                "p", [("class", "note"), ("id", "own-page-\(page.number)")],
                                text: c.t(
                                    "Bạn đã nhập trang này nên không tự quyết định; một cán bộ khác sẽ quyết định.",
                                    "You keyed this page, so another registrar decides its differences."))
                        }
                        for d in status.differences where d.page == page.number {
                            differenceCard(c, s, l, d, mayDecide: !page.keyers.contains(s.user.name))
                        }
                    }
                }
            }
        }
    }

    static func differenceCard(_ c: HosoContext, _ s: Session, _ l: KeyingLedger, _ d: KeyingDifference, mayDecide: Bool) -> HTML {
        let shown = { (v: String) in v.isEmpty ? c.t("(trống)", "(empty)") : v }
        let anchor = "d-\(d.page)-\(d.slot)-\(d.field)"
        return el("div", [("class", "card wb-diff"), ("id", anchor), ("data-decided", d.decision == nil ? "no" : "yes")]) {
            el("h3", text: c.t("Dòng \(d.slot): ", "Row \(d.slot): ") + c.t(label(d.field)))
            el("dl") {
                el("dt", text: d.first.person)
                el("dd", text: shown(d.first.value))
                el("dt", text: d.second.person)
                el("dd", text: shown(d.second.value))
                if let dec = d.decision {
                    el("dt", text: c.t("Đã quyết định", "Decided"))
                    el("dd", [("class", "decided")], text: shown(dec.value) + " — " + dec.person)
                }
            }
            if mayDecide {
                el("form", [("method", "post"), ("action", "/workbench/\(l.id)/decide"), ("class", "wb-decide")]) {
                    Pages.csrfField(s)
                    el("input", [("type", "hidden"), ("name", "page"), ("value", String(d.page))])
                    el("input", [("type", "hidden"), ("name", "row"), ("value", String(d.slot))])
                    el("input", [("type", "hidden"), ("name", "field"), ("value", d.field)])
                    for (i, v) in [d.first.value, d.second.value].enumerated() {
                        el(
                            "button", [("type", "submit"), ("name", "value"), ("value", v), ("id", "\(anchor)-choose-\(i + 1)")],
                            text: c.t("Chọn: ", "Choose: ") + shown(v))
                    }
                    el("label", [("for", "\(anchor)-other")], text: c.t("Hoặc giá trị khác", "Or another value"))
                    el("input", [("name", "other"), ("id", "\(anchor)-other"), ("autocomplete", "off")])
                    el("button", [("type", "submit"), ("id", "\(anchor)-other-submit")], text: c.t("Ghi giá trị này", "Use this value"))
                }
            }
        }
    }
}
