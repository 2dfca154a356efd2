import Foundation
import HTTPTypes
import HosoKit
import Hummingbird

/// The public download page: a family types the code the school printed for them and gets the signed document (a
/// học bạ) once. Rate-limited per address like the verification page; every download is an extract record and a
/// line of the access log.
enum DownloadRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let limited = router.group().add(middleware: PublicRateLimit(limiter: state.publicRate))
        limited.get("/download") { _, context in htmlResponse(page(context, problem: nil, typed: "")) }

        limited.post("/download") { request, context -> Response in
            let form = try await Form.read(request, limit: BodyLimits.forms)
            let typed = form["code"] ?? ""
            do {
                let given = try await state.archive.with { try $0.redeemDownloadCode(typed) }
                try await state.audit(actor: "public", action: "download", target: given.document, detail: context.remote)
                var headers = HTTPFields()
                headers[.contentType] = "application/pdf"
                headers[.contentDisposition] = "attachment; filename=\"\(fileName(given.document))\""
                headers[.cacheControl] = "no-store"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: given.bytes)))
            } catch let e as HosoError where e.category.isCallerFault {
                return htmlResponse(page(context, problem: e, typed: String(typed.prefix(40))), status: .badRequest)
            }
        }
    }

    /// "hoc-ba.pdf" for a học bạ, else "van-ban.pdf": the file's name says what it is, not the record's id.
    static func fileName(_ document: String) -> String {
        document.hasPrefix("hocba/") || document.hasPrefix("hoc-ba") ? "hoc-ba.pdf" : "van-ban.pdf"
    }

    static func page(_ c: HosoContext, problem: HosoError?, typed: String) -> HTML {
        Pages.layout(c, title: c.t("Tải học bạ bằng mã của nhà trường", "Download a học bạ with the school's code")) {
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Nhập mã gồm 12 kí tự in trên giấy nhà trường đưa (ví dụ 7KQ4-M2XD-9BTA). Mỗi mã chỉ tải được số lần ghi trên giấy, trước ngày hết hạn; mỗi lần tải đều được ghi lại.",
                    "Type the 12-character code printed on the slip the school gave you (e.g. 7KQ4-M2XD-9BTA). A code gives the number of downloads printed on the slip, before it expires; every download is recorded."
                ))
            if let p = problem { el("p", [("class", "error"), ("role", "alert"), ("id", "download-error")], text: c.t(p.message)) }
            el("form", [("method", "post"), ("action", "/download"), ("class", "card"), ("id", "download-form")]) {
                el("label", [("for", "code")], text: c.t("Mã tải", "Download code"))
                el(
                    "input",
                    [
                        ("type", "text"), ("name", "code"), ("id", "code"), ("value", typed), ("required", ""), ("maxlength", "40"),
                        ("autocomplete", "off"), ("autocapitalize", "characters"), ("spellcheck", "false"),
                        ("aria-describedby", problem == nil ? "" : "download-error"),
                    ])
                el("button", [("type", "submit")], text: c.t("Tải về", "Download"))
            }
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Sau khi tải, có thể kiểm tra tệp ở trang Kiểm tra bản sao.",
                    "After downloading, the file can be checked on the Verify page."))
        }
    }
}
