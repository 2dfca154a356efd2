import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoRecords
import HosoServer
import HosoSigning
import HosoTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Testing

/// An archive with a test PKI, an office, one ledger (from Schemas/examples), a copy request, and an account per role.
struct Fixture: Sendable {
    static let ledgerId = OfficeArchiveFixture.ledgerId
    static let serial = "Số 001234/BT"
    static let holder = "Lò Thị Mai"
    static let password = "mat-khau-dai-du"
    /// The `teacher` account's full name: the teacher of the grade books the tests make.
    static let teacherName = "Nguyễn Văn Toán"
    /// Cheap scrypt for the many logins of these tests; `PasswordHashTests` checks the standard cost.
    static let cost = PasswordHash.Cost(logN: 10, r: 8, p: 1)

    let dir: TempDirectory
    var config: ServerConfig
    let requestId: String
    let office: SigningIdentity

    var archivePath: String { dir.path + "/a" }

    init(now: Date = wholeSecondsNow(), officeKey: Bool = true) throws {
        dir = TempDirectory()
        let setup = try OfficeArchiveFixture(in: dir.path, now: now)
        let a = setup.archive
        office = setup.office
        requestId = try a.newRequest(
            .init(
                kind: .copy, requesterName: Self.holder, relation: .holder, holderName: Self.holder,
                serial: Self.serial, channel: .inPerson), clerk: "vanthu"
        ).id
        config = ServerConfig(
            archivePath: dir.path + "/a", officeIdentity: officeKey ? office : nil, clock: .fixed(now), passwordCost: Self.cost)
        // Uploads are checked in a child `hoso`, as `hoso serve` does.
        config.publicChecks.checker = hosoBinary
        // The .p12 upload these tests exercise is off by default (`hoso agent` signs instead).
        config.allowKeyUpload = true
        let store = try ServerStore(path: dir.path + "/a/" + ServerStore.fileName, clock: .fixed(now), cost: Self.cost)
        for role in Role.allCases {
            try store.addUser(
                name: role.rawValue, displayName: role == .teacher ? Self.teacherName : "Người \(role.rawValue)", role: role,
                password: Self.password)
        }
        // Another teacher, for the checks that a teacher changes and signs only their own grade books.
        try store.addUser(name: "teacher2", displayName: "Trần Thị Khác", role: .teacher, password: Self.password)
    }

    func app() throws -> some ApplicationProtocol {
        Application(router: try HosoServer.router(config: config))
    }

    /// Runs `test` against the application: in-process through the router, or on a live server on a loopback port.
    /// HummingbirdTesting's live client gives up on an answer after 20 s, which a busy CI machine running hundreds of
    /// tests at once can exceed; ours waits as long as the server takes (a hang still ends with the test run).
    func serve(_ mode: Mode, _ test: @escaping @Sendable (any WebClient) async throws -> Void) async throws {
        switch mode {
        case .router:
            try await app().test(.router) { client in try await test(RouterClient(client: client)) }
        case .live:
            let router = try HosoServer.router(config: config)
            let (ports, portSink) = AsyncStream<Int>.makeStream()
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in
                    portSink.yield(channel.localAddress?.port ?? 0)
                    portSink.finish()
                })
            let services = ServiceGroup(configuration: .init(services: [app], logger: app.logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A server that stops (or never starts) ends the wait for its port too.
                    defer { portSink.finish() }
                    try await services.run()
                }
                var port = 0
                for await p in ports { port = p }
                guard port != 0 else {
                    try await group.waitForAll()
                    throw CancellationError()
                }
                let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(24 * 3600)))
                client.connect()
                do {
                    try await test(SocketClient(client: client))
                } catch {
                    try? await client.shutdown()
                    await services.triggerGracefulShutdown()
                    throw error
                }
                try await client.shutdown()
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}

/// An answer as the tests read it, the same from the router and from a socket.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
}

/// How a test reaches the application.
protocol WebClient: Sendable {
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: ByteBuffer?) async throws -> Reply
}

/// Requests handed to the router in-process (HummingbirdTesting's `.router`).
struct RouterClient: WebClient {
    let client: any TestClientProtocol
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: ByteBuffer?) async throws -> Reply {
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: r.status, headers: r.headers, body: r.body)
    }
}

/// Requests over a kept-alive loopback connection, the way a browser sends them.
struct SocketClient: WebClient {
    let client: TestClient
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: ByteBuffer?) async throws -> Reply {
        var h = headers
        h[.connection] = "keep-alive"
        let r = try await client.execute(.init(uri, method: method, authority: "localhost", headers: h, body: body))
        return Reply(status: r.status, headers: r.headers, body: r.body ?? ByteBuffer())
    }
}

/// A client that keeps cookies like a browser, and reads the CSRF token from the last page.
final class Browser: @unchecked Sendable {
    let client: any WebClient
    var cookies: [String: String] = [:]
    var lastBody = ""

    init(_ client: any WebClient) { self.client = client }
    convenience init(_ client: any TestClientProtocol) { self.init(RouterClient(client: client)) }

    @discardableResult
    func request(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: [UInt8]? = nil) async throws -> Reply {
        var h = headers
        if !cookies.isEmpty { h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        let r = try await client.send(method, uri, headers: h, body: body.map { ByteBuffer(bytes: $0) })
        for v in r.headers[values: .setCookie] {
            let pair = v.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || v.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        lastBody = String(buffer: r.body)
        return r
    }

    @discardableResult
    func get(_ uri: String) async throws -> Reply { try await request(.get, uri) }

    /// Posts a urlencoded form; `csrf: true` adds the token found on the last page.
    @discardableResult
    func post(
        _ uri: String, _ fields: [(String, String)], csrf: Bool = true, method: HTTPRequest.Method = .post
    ) async throws -> Reply {
        var all = fields
        if csrf, let t = csrfToken { all.append(("_csrf", t)) }
        return try await request(
            method, uri, headers: [.contentType: "application/x-www-form-urlencoded"], body: Array(urlencode(all).utf8))
    }

    var csrfToken: String? {
        guard let r = lastBody.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(lastBody[r.upperBound...].prefix { $0 != "\"" })
    }

    @discardableResult
    func login(_ user: String, password: String = Fixture.password) async throws -> Reply {
        try await get("/login")
        return try await post("/login", [("user", user), ("password", password), ("next", "/")])
    }
}

func urlencode(_ fields: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return fields.map {
        "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
    }
    .joined(separator: "&")
}

func multipart(_ parts: [(String, String?, String?, [UInt8])], boundary: String = "hosoTestBoundary7") -> (HTTPFields, [UInt8]) {
    var body = [UInt8]()
    for (name, fileName, type, bytes) in parts {
        var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
        if let f = fileName { head += "; filename=\"\(f)\"" }
        head += "\r\n"
        if let t = type { head += "Content-Type: \(t)\r\n" }
        head += "\r\n"
        body += Array(head.utf8) + bytes + Array("\r\n".utf8)
    }
    body += Array("--\(boundary)--\r\n".utf8)
    return ([.contentType: "multipart/form-data; boundary=\(boundary)"], body)
}

extension HTTPField.Name {
    static let xCSRF = Self("X-CSRF-Token")!
}
