import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The JSON API: what the screens do, for scripts and other front ends (Schemas/openapi.yaml). Same roles, same
/// audit log; a POST needs the session's CSRF token in `X-CSRF-Token` (the token comes with the session).
enum APIRoutes {
    struct SessionOut: Encodable {
        var user: String
        var displayName: String
        var role: String
        var csrf: String
    }
    struct RequestOut: Encodable {
        var id: String
        var request: CitizenRequest
        var entry: LedgerEntryView?
        var entryProblem: String?
    }
    struct IssuedOut: Encodable {
        var copy: CopyRegisterEntry?
        var register: String?
        var download: String
    }
    struct UserOut: Encodable {
        var name: String
        var displayName: String
        var role: String
        var createdAt: String
        var disabled: Bool
        /// The person record the account acts as, if linked.
        var person: String?
    }
    struct AuditOut: Encodable {
        var chain: ServerStore.ChainCheck
        var entries: [AuditEntry]
    }

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        addSession(to: router, state: state)
        addRequests(to: router, state: state)
        addVerify(to: router, state: state)
        addAccounts(to: router, state: state)
    }

    /// Sign-in, the session with its CSRF token, sign-out.
    static func addSession(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let signedIn = router.group().add(middleware: RequireRole.anyone)
        let signedInChanges = signedIn.group().add(middleware: RequireCSRF.header)

        signedIn.get("/api/session") { _, context -> Response in
            let s = try context.signedIn()
            return jsonResponse(SessionOut(user: s.user.name, displayName: s.user.displayName, role: s.user.role.rawValue, csrf: s.csrf))
        }

        router.post("/api/session") { request, context -> Response in
            // JSON only: a cross-site HTML form cannot send application/json, so this needs no CSRF token.
            let f = try await jsonForm(request, limit: 64 * 1024)
            switch try await AuthRoutes.login(
                state: state, name: (f["user"] ?? "").lowercased(), password: f["password"] ?? "", remote: context.remote)
            {
            case .success(let token, let s):
                var r = jsonResponse(
                    SessionOut(user: s.user.name, displayName: s.user.displayName, role: s.user.role.rawValue, csrf: s.csrf))
                r.setCookie(AuthRoutes.sessionCookie(token, state: state))
                return r
            case .failure(let e):
                var r = jsonErrors([e], status: httpStatus(for: [e]), lang: context.lang)
                if e.code == .loginThrottled, let after = e.cause { r.headers[.retryAfter] = after }
                return r
            }
        }

        signedInChanges.delete("/api/session") { request, context -> Response in
            let s = try context.signedIn()
            if let token = context.sessionToken { try await state.db { try $0.endSession(token: token) } }
            try await state.audit(actor: s.user.name, action: "logout", target: s.user.name)
            return Response(status: .noContent)
        }
    }

    /// The clerk's requests: list, create, read, issue or refuse, download.
    static func addRequests(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let clerks = router.group().add(middleware: RequireRole(ClerkRoutes.roles))
        let clerkChanges = clerks.group().add(middleware: RequireCSRF.header)

        clerks.get("/api/requests") { request, context -> Response in
            let s = try context.signedIn()
            let all = request.uri.queryParameters.get("all") == "1"
            var list = try await state.archive.with { try $0.requests() }
            if !all { list = list.filter { $0.request.status == .received || $0.request.status == .checked } }
            try await state.audit(actor: s.user.name, action: "read", target: "requests", detail: "api")
            return jsonResponse(list)
        }

        clerkChanges.post("/api/requests") { request, context -> Response in
            let s = try context.signedIn()
            let f = try await jsonForm(request, limit: 256 * 1024)
            let (id, r) = try await state.archive.with { try $0.newRequest(try ClerkRoutes.newRequest(from: f), clerk: s.user.name) }
            try await state.audit(actor: s.user.name, action: "create", target: "request:\(id)", detail: "api")
            return jsonResponse(RequestOut(id: id, request: r, entry: nil, entryProblem: nil), status: .created)
        }

        clerks.get("/api/requests/:id") { _, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let (r, entry) = try await state.archive.with { a in
                let (_, r) = try a.request(id)
                return (r, Result { try a.ledgerEntry(ClerkRoutes.entryRef(of: r)) })
            }
            try await state.audit(actor: s.user.name, action: "read", target: "request:\(id)", detail: "api")
            var problem: String?
            if case .failure(let e) = entry { problem = (e as? HosoError)?.code.rawValue ?? "\(e)" }
            return jsonResponse(RequestOut(id: id, request: r, entry: try? entry.get(), entryProblem: problem))
        }

        clerkChanges.post("/api/requests/:id/issue") { request, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            guard let office = state.config.officeIdentity else {
                throw HosoError(
                    .notOfficeSigner,
                    .both(
                        "Máy chủ chưa có khóa ký của cơ quan (hoso serve --office-key)",
                        "The server has no office signing key (hoso serve --office-key)"))
            }
            let (result, index, detail) = try await state.archive.with { a in
                let before = try a.request(id).request.issued.count
                let (detail, issued) = try ClerkRoutes.issueOrAnswer(a, id: id, office: office, state: state, clerk: s.user.name)
                return (issued, before, detail)
            }
            try await state.audit(actor: s.user.name, action: "issue", target: "request:\(id)", detail: detail + " api")
            return jsonResponse(
                IssuedOut(copy: result?.register, register: result?.registerRecordId, download: "/api/requests/\(id)/copies/\(index)"),
                status: .created)
        }

        clerkChanges.post("/api/requests/:id/refuse") { request, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let f = try await jsonForm(request, limit: 64 * 1024)
            let r = try await state.archive.with { try $0.refuseRequest(id, reason: f["reason"] ?? "", clerk: s.user.name) }
            try await state.audit(actor: s.user.name, action: "refuse", target: "request:\(id)", detail: "api")
            return jsonResponse(RequestOut(id: id, request: r, entry: nil, entryProblem: nil))
        }

        clerks.get("/api/requests/:id/copies/:n") { _, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let (pdf, number) = try await ClerkRoutes.copyPDF(state: state, requestId: id, index: context.parameters.get("n") ?? "")
            try await state.audit(actor: s.user.name, action: "download", target: "copy:\(number)", detail: "request \(id) api")
            return ClerkRoutes.pdfResponse(pdf, fileName: "ban-sao-\(number.replacingOccurrences(of: "/", with: "-")).pdf")
        }
    }

    /// Public: the verification of a copy.
    static func addVerify(to router: some RouterMethods<HosoContext>, state: ServerState) {
        // Public: a PDF (application/pdf), a QR photo (image/*), or JSON {"qr": …} / {"number": …, "serial": …}.
        router.group().add(middleware: PublicRateLimit(limiter: state.publicRate)).post("/api/verify") { request, context -> Response in
            let type = (request.headers[.contentType] ?? "").lowercased()
            var form = Form()
            if type.hasPrefix("application/pdf") || type.hasPrefix("image/") {
                var req = request
                let body: ByteBuffer
                do { body = try await req.collectBody(upTo: state.config.bodyLimits.verify) } catch {
                    throw HosoError(.bodyTooLarge, .both("Dữ liệu gửi lên quá lớn", "The upload is too large"))
                }
                form.files = [
                    .init(
                        fieldName: type.hasPrefix("image/") ? "qr-image" : "pdf", fileName: "upload", contentType: type,
                        bytes: Array(body.readableBytesView))
                ]
            } else {
                form = try await jsonForm(request, limit: 64 * 1024)
            }
            do {
                return jsonResponse(try await VerifyRoutes.run(form, state: state, remote: context.remote))
            } catch let e as HosoError where e.code == .publicCheckFailed {
                return jsonErrors([e], status: VerifyRoutes.status(of: e, context: context), lang: context.lang)
            }
        }
    }

    /// The admin's accounts and the audit log.
    static func addAccounts(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let admins = router.group().add(middleware: RequireRole([.admin]))
        let adminChanges = admins.group().add(middleware: RequireCSRF.header)

        admins.get("/api/users") { _, context -> Response in
            jsonResponse(
                try await state.db { try $0.users() }.map {
                    UserOut(
                        name: $0.name, displayName: $0.displayName, role: $0.role.rawValue, createdAt: $0.createdAt, disabled: $0.disabled,
                        person: $0.person)
                })
        }

        adminChanges.post("/api/users") { request, context -> Response in
            let s = try context.signedIn()
            let f = try await jsonForm(request, limit: 64 * 1024)
            guard let role = Role(rawValue: f["role"] ?? "") else {
                throw HosoError(.badUserInput, .both("Vai trò không hợp lệ", "Invalid role"), location: "role")
            }
            let person = f["person"].flatMap { $0.isEmpty ? nil : $0 }
            if let person { _ = try await state.archive.with { try $0.person(person) } }
            let u = try await state.db {
                try $0.addUser(
                    name: (f["name"] ?? "").lowercased(), displayName: f["displayName"] ?? "", role: role,
                    password: f["password"] ?? "", person: person)
            }
            try await state.audit(actor: s.user.name, action: "user-add", target: "user:\(u.name)", detail: role.rawValue)
            return jsonResponse(
                UserOut(
                    name: u.name, displayName: u.displayName, role: u.role.rawValue, createdAt: u.createdAt, disabled: false,
                    person: u.person),
                status: .created)
        }

        adminChanges.post("/api/users/:name/disable") { request, context -> Response in
            let s = try context.signedIn()
            let f = try await jsonForm(request, limit: 64 * 1024)
            let name = context.parameters.get("name") ?? ""
            let disable = f["disabled"].map { $0 != "0" && $0 != "false" } ?? true
            try await state.db { try $0.setDisabled(name: name, disable) }
            try await state.audit(
                actor: s.user.name, action: disable ? "user-disable" : "user-enable", target: "user:\(name)", detail: "api")
            guard let u = try await state.db({ try $0.user(name) }) else {
                throw HosoError(.userNotFound, .both("Không có tài khoản này", "No such account"), location: name)
            }
            return jsonResponse(
                UserOut(
                    name: u.name, displayName: u.displayName, role: u.role.rawValue, createdAt: u.createdAt, disabled: u.disabled,
                    person: u.person))
        }

        admins.get("/api/audit") { request, context -> Response in
            let actor = request.uri.queryParameters.get("actor")
            return jsonResponse(
                try await state.db { AuditOut(chain: try $0.checkAuditChain(), entries: try $0.auditLog(limit: 500, actor: actor)) })
        }
    }

    /// A JSON object of strings and numbers, read as form fields so the API and the screens share their checks.
    static func jsonForm(_ request: Request, limit: Int) async throws -> Form {
        let type = (request.headers[.contentType] ?? "").lowercased()
        guard type.hasPrefix("application/json") else {
            throw HosoError(.badUserInput, .both("Cần Content-Type: application/json", "Content-Type: application/json is needed"))
        }
        var req = request
        let body: ByteBuffer
        do { body = try await req.collectBody(upTo: limit) } catch {
            throw HosoError(.bodyTooLarge, .both("Dữ liệu gửi lên quá lớn", "The upload is too large"))
        }
        let data = Data(body.readableBytesView)
        if data.isEmpty { return Form() }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HosoError(.badUserInput, .both("Nội dung không phải đối tượng JSON", "The body is not a JSON object"))
        }
        var f = Form()
        for (k, v) in object {
            switch v {
            case let s as String: f.fields[k] = [s]
            case let n as NSNumber: f.fields[k] = [n.stringValue]
            default:
                throw HosoError(.badUserInput, .both("Giá trị phải là chuỗi hoặc số", "Values must be strings or numbers"), location: k)
            }
        }
        return f
    }
}
