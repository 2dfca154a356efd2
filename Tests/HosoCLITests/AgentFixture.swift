import Foundation
import HosoKit
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A school for the signing agent's tests: a demo PKI the archive trusts, teacher Nguyễn Văn Toán assigned to teach
/// mathematics in 45 classes (a batch of 45 grade books), Trần Thị Bích Ngọc with a certificate but no assignment,
/// their accounts, a SoftHSM2 token holding both keys, and a real `hoso serve` on a free loopback port.
struct AgentFixture {
    static let password = "mat-khau-thu-nghiem"
    static let pin = "1234"
    static let school = "Trường THCS Tân Lập"
    static let softhsm = "/usr/lib/softhsm/libsofthsm2.so"
    static let spy = "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so"
    let box: Sandbox
    let books: [String]
    let server: ServerProcess
    var serverPort: UInt16 { UInt16(server.url.split(separator: ":").last!.prefix { $0.isNumber })! }
    var origin: String { "http://127.0.0.1:\(serverPort)" }

    init(box: Sandbox, books count: Int = 45) throws {
        self.box = box
        let env = ["PW": Self.password]
        try #require(try box.hoso(["pki", "demo", "pki", "--password-env", "PW"], env: env).status == 0)
        try box.initArchive()
        func files(_ dir: String, _ ext: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: box.path(dir)).filter { $0.hasSuffix(ext) }.map { "\(dir)/\($0)" }
        }
        for args in [
            ["trust", "add", "--label", "demo"] + (try files("pki/roots", ".pem")), ["trust", "ca"] + (try files("pki/ca", ".pem")),
            ["trust", "crl"] + (try files("pki/crl", ".crl")),
        ] {
            let r = try box.hoso(args)
            try #require(r.status == 0, "\(args): \(r)")
        }
        books = try Self.school(at: box.path(Sandbox.archive), pki: box.path("pki"), count: count)
        for (user, person) in [("teacher", "p-toan"), ("teacher2", "p-ngoc")] {
            let r = try box.hoso(
                ["user", "add", user, "--role", "teacher", "--display-name", user, "--person", person, "--password-env", "PW"], env: env)
            try #require(r.status == 0, "\(r)")
        }
        try Self.token(box)
        server = try ServerProcess(hosoBinary, ["serve", "--port", "0"], in: box.root, environment: cleanEnvironment)
    }

    /// People, 45 classes' grade books and the teacher's assignments, written in-process (fast) before the server starts.
    static func school(at archive: String, pki: String, count: Int) throws -> [String] {
        let a = try Archive.open(at: archive)
        func json(_ text: String) throws -> JSONValue { try CanonicalJSON.parse(Array(text.utf8), source: "fixture") }
        for (id, name, cert) in [("p-toan", "Nguyễn Văn Toán", "gv-toan"), ("p-ngoc", "Trần Thị Bích Ngọc", "gv-van")] {
            let fp = try Certificate.load(file: "\(pki)/\(cert).crt.pem")[0].fingerprint
            _ = try a.createRecord(
                type: "person", id: id,
                body: try json(
                    #"{"fullName": "\#(name)", "dateOfBirth": "1985-03-02", "roles": ["teacher"], "certificates": [{"sha256": "\#(fp)"}]}"#),
                author: "test")
        }
        var ids = [String]()
        for n in 1...count {
            let csv = """
                ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet
                0123456789,Lò Văn An,01/02/2010,7,8,6.5,,7,8,
                0123456790,Hà Thị Bình,15/03/2010,9,8.5,9,,8,9,

                """
            let settings = GradeBookSettings(
                school: school, className: "9A\(n)", schoolYear: "2024-2025", subject: "Toán", term: "HK1", level: "THCS", grade: 9,
                periodsPerYear: 70, assessment: "scored", teacher: "Nguyễn Văn Toán")
            let r = try a.importGradeBook(csv: Array(csv.utf8), source: "fixture", header: nil, settings: settings, author: "test")
            ids.append(r.book.info.recordId)
            _ = try a.createRecord(
                type: "assignment", id: "as-toan-\(n)",
                body: try json(
                    #"{"person": "p-toan", "role": "subject-teacher", "school": "\#(school)", "class": "9A\#(n)", "subject": "Toán", "schoolYear": "2024-2025", "from": "2020-01-01", "title": "Giáo viên Toán"}"#
                ), author: "test")
        }
        return ids
    }

    /// A SoftHSM2 token in the sandbox with both teachers' keys.
    static func token(_ box: Sandbox) throws {
        let util = try #require(tool("softhsm2-util"), "softhsm2 is not installed (tools/setup installs it)")
        try box.mkdir("tokens")
        try box.write("softhsm2.conf", "directories.tokendir = \(box.path("tokens"))\nobjectstore.backend = file\n")
        let env = cleanEnvironment.merging(["SOFTHSM2_CONF": box.path("softhsm2.conf")]) { $1 }
        let initTok = try spawn(
            util, ["--init-token", "--free", "--label", "hoso", "--pin", pin, "--so-pin", "5678"], cwd: box.root, env: env)
        try #require(initTok.status == 0, "\(initTok)")
        for (label, id) in [("gv-toan", "01"), ("gv-van", "02")] {
            let imp = try spawn(
                util, ["--import", box.path("pki/keys/\(label).key.pem"), "--token", "hoso", "--label", label, "--id", id, "--pin", pin],
                cwd: box.root, env: env)
            try #require(imp.status == 0, "\(imp)")
        }
    }

    /// `hoso agent` for `origins`, through OpenSC's pkcs11-spy in front of SoftHSM2: the spy's log shows every call the
    /// agent makes to the token, logins included. Returns the process, its address and its pairing code.
    func agent(origins: [String], key: String = "gv-toan", log: String = "spy.log") throws -> (ServerProcess, String, String) {
        let env = cleanEnvironment.merging([
            "SOFTHSM2_CONF": box.path("softhsm2.conf"), "PKCS11SPY": Self.softhsm, "PKCS11SPY_OUTPUT": box.path(log),
        ]) { $1 }
        let pairing = box.path("pairing-\(log)")
        let p = try ServerProcess(
            hosoBinary,
            [
                "agent", "--port", "0", "--module", Self.spy, "--key", "pkcs11:token=hoso;object=\(key)", "--cert", "pki/\(key).crt.pem",
                "--pairing-file", pairing,
            ] + origins.flatMap { ["--origin", $0] },
            in: box.root, environment: env)
        let code = String(decoding: try box.read(pairing), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (p, String(p.url.dropLast(p.url.hasSuffix("/") ? 1 : 0)), code)
    }

    /// Signs in through the JSON API: the session cookie and the CSRF token.
    func signIn(_ user: String) throws -> (cookie: String, csrf: String) {
        let r = try HTTP.exchange(serverPort, "POST", "/api/session", json: ["user": user, "password": Self.password])
        try #require(r.status == 200, "\(r.head)")
        let cookie = try #require(r.header("set-cookie")?.split(separator: ";").first.map(String.init))
        let csrf = try #require((try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["csrf"] as? String)
        return (cookie, csrf)
    }

    /// A batch from the server for `records`, as the grade-book page asks for it.
    func batch(_ session: (cookie: String, csrf: String), _ records: [String]) throws -> (status: Int, json: [String: Any]) {
        let r = try HTTP.exchange(
            serverPort, "POST", "/api/agent/batches", headers: [("Cookie", session.cookie), ("X-CSRF-Token", session.csrf)],
            json: ["records": records])
        return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:])
    }

    func stop(_ p: ServerProcess) {
        if p.process.isRunning { kill(p.process.processIdentifier, SIGTERM) }
        p.process.waitUntilExit()
    }
}

/// Requests written byte for byte (Host and Origin as an attacker would set them) on a connection of their own.
enum HTTP {
    struct Answer {
        var status: Int
        var head: String
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
    }

    static func exchange(
        _ port: UInt16, _ method: String, _ path: String, host: String? = nil, headers: [(String, String)] = [], json: Any? = nil,
        body: [UInt8]? = nil
    ) throws -> Answer {
        var payload = body ?? []
        var h = headers
        if let json {
            payload = [UInt8](try JSONSerialization.data(withJSONObject: json))
            h.append(("Content-Type", "application/json"))
        }
        var req = "\(method) \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nConnection: close\r\n"
        for (k, v) in h { req += "\(k): \(v)\r\n" }
        req += "Content-Length: \(payload.count)\r\n\r\n"
        let r = try RawConnection.exchange(port: port, Array(req.utf8) + payload)
        return Answer(status: r.status, head: r.head, body: r.body)
    }

    static func port(_ url: String) -> UInt16 { UInt16(url.split(separator: ":").last!.prefix { $0.isNumber })! }
}
