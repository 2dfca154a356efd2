import Foundation
import HosoKit
import HosoTestSupport
import HosoTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hoso agent` end to end: a real `hoso serve`, the real agent on another loopback port, a SoftHSM2 token behind
/// OpenSC's pkcs11-spy (whose log counts the token logins), and the attacks the agent and the server must refuse.
@Suite struct AgentCLITests {
    static let form = ("Content-Type", "application/x-www-form-urlencoded")

    @Test func aClassOfGradeBooksIsSignedWithOnePIN() throws {
        try withSandbox { box in
            let fx = try AgentFixture(box: box)
            defer { fx.stop(fx.server) }
            let (agent, agentURL, code) = try fx.agent(origins: [fx.origin])
            defer { fx.stop(agent) }
            let ap = HTTP.port(agentURL)
            let teacher = try fx.signIn("teacher")
            let (status, batch) = try fx.batch(teacher, fx.books)
            try #require(status == 201, "\(batch)")
            var page = batch
            page["server"] = fx.origin
            page["return"] = fx.origin + "/gradebooks/sign"
            // The browser's preflight, then the batch with the pairing code.
            let pre = try HTTP.exchange(
                ap, "OPTIONS", "/batches",
                headers: [
                    ("Origin", fx.origin), ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "x-hoso-agent-key"),
                ])
            #expect(pre.status == 204 && pre.header("access-control-allow-origin") == fx.origin, "\(pre.head)")
            let made = try HTTP.exchange(ap, "POST", "/batches", headers: [("Origin", fx.origin), ("X-Hoso-Agent-Key", code)], json: page)
            try #require(made.status == 201, "\(made.text)")
            #expect(made.header("access-control-allow-origin") == fx.origin)
            let confirm = try #require(made.json["confirm"] as? String)
            let path = String(confirm.dropFirst(agentURL.count))
            // The confirmation page says, from the bytes the agent fetched, which school, classes, subject and term.
            let shown = try HTTP.exchange(ap, "GET", path)
            #expect(shown.status == 200)
            for s in [AgentFixture.school, ">9A1<", ">9A45<", "Toán", "Học kì I", "2024-2025", #"id="count">45<"#] {
                #expect(shown.text.contains(s), "\(s) is shown")
            }
            #expect(shown.header("x-frame-options") == "DENY")
            let nonce = String(try #require(shown.text.firstMatch(of: /name="nonce" value="([0-9a-f]+)"/)?.1))
            let body = Array("nonce=\(nonce)&pin=\(AgentFixture.pin)&action=sign".utf8)
            // The same form posted by a page of the server (or any other site) is refused: only the agent's own page.
            let forged = try HTTP.exchange(ap, "POST", path, headers: [("Origin", fx.origin), Self.form], body: body)
            #expect(forged.status == 403)
            let signed = try HTTP.exchange(ap, "POST", path, headers: [("Origin", agentURL), Self.form], body: body)
            #expect(signed.status == 200)
            #expect(signed.text.contains(#"data-logins="1" data-signed="45" data-accepted="45""#), "\(signed.text)")
            // The token's own log: one login for the whole batch, a signature per book.
            let log = String(decoding: try box.read("spy.log"), as: UTF8.self)
            #expect(log.components(separatedBy: "C_Login\n").count - 1 == 1, "logins in the spy's log")
            #expect(log.components(separatedBy: "C_Sign\n").count - 1 + log.components(separatedBy: "C_SignFinal\n").count - 1 >= 45)
            // The agent's status for the page, and the books as the archive judges them.
            let st = try HTTP.exchange(
                ap, "GET", "/batches/" + path.dropFirst("/confirm/".count), headers: [("Origin", fx.origin), ("X-Hoso-Agent-Key", code)])
            #expect(st.json["logins"] as? Int == 1 && st.json["accepted"] as? Int == 45, "\(st.text)")
            for id in [fx.books[0], fx.books[44]] {
                let v = try box.hoso("verify", id, "--json")
                #expect(v.status == 0 && v.out.contains("\"indication\" : \"PASSED\""), "\(v)")
            }
            let left = try HTTP.exchange(fx.serverPort, "GET", "/gradebooks/sign", headers: [("Cookie", teacher.cookie)])
            #expect(left.text.contains("id=\"all-signed\""), "nothing left to sign")
        }
    }

    @Test func attacksOnTheAgentAndTheServerAreRefused() throws {
        try withSandbox { box in
            let fx = try AgentFixture(box: box, books: 2)
            defer { fx.stop(fx.server) }
            let teacher = try fx.signIn("teacher")
            let (status, batch) = try fx.batch(teacher, [fx.books[0]])
            try #require(status == 201, "\(batch)")
            let token = try #require(batch["batch"] as? String)
            let item = try #require((batch["items"] as? [[String: Any]])?.first)
            let revision = try #require(item["revision"] as? String)
            let bytes = try HTTP.exchange(
                fx.serverPort, "GET", try #require(item["bytes"] as? String), headers: [("Authorization", "Bearer " + token)])
            try #require(bytes.status == 200)
            // Another teacher cannot make a batch of these books; the .p12 upload is off by default.
            #expect(try fx.batch(try fx.signIn("teacher2"), [fx.books[0]]).status == 403)
            let upload = try HTTP.exchange(
                fx.serverPort, "POST", "/api/gradebook/sign?id=\(fx.books[0])",
                headers: [("Cookie", teacher.cookie), ("X-CSRF-Token", teacher.csrf)], json: ["key": "AAAA", "password": "x"])
            #expect(upload.status == 403, "\(upload.text)")

            // Signatures posted straight to the server: a tampered one, and one by a teacher without the assignment.
            func post(_ der: [UInt8]) throws -> HTTP.Answer {
                try HTTP.exchange(
                    fx.serverPort, "POST", "/api/agent/signatures", headers: [("Authorization", "Bearer " + token)],
                    json: ["signatures": [["revision": revision, "cms": Data(der).base64EncodedString()]]])
            }
            func sign(_ who: String) throws -> [UInt8] {
                let id = try PKCS12.open([UInt8](try box.read("pki/\(who).p12")), password: AgentFixture.password)
                return try CMSSigner.sign(content: bytes.body, identity: id, role: .subjectTeacher, at: Date())
            }
            var tampered = try sign("gv-toan")
            tampered[tampered.count - 3] ^= 0x01
            let t = try post(tampered)
            #expect(t.status == 400 && t.text.contains("SIGNATURE_REJECTED"), "\(t.text)")
            let other = try post(try sign("gv-van"))
            #expect(other.status == 403 && other.text.contains("SIGNER_NOT_ENTITLED"), "\(other.text)")
            let unsigned = try box.hoso("verify", fx.books[0], "--json")
            let stored = (try JSONSerialization.jsonObject(with: unsigned.stdout) as? [String: Any])?["signatures"] as? [Any]
            #expect(stored?.isEmpty == true, "nothing stored: \(unsigned)")
            #expect(try post(try sign("gv-toan")).status == 201, "the genuine signature is accepted")

            // A server that serves bytes other than the revision's: the agent refuses to sign anything.
            var evil = bytes.body
            let at = try #require(evil.firstIndex(of: UInt8(ascii: "8")))
            evil[at] = UInt8(ascii: "9")
            let served = evil
            let fake = HTTPService(port: 0) { _ in
                .init(maxBody: 1024) { _ in .init(status: 200, contentType: "application/octet-stream", body: served) }
            }
            let fakeOrigin = "http://127.0.0.1:\(try fake.start())"
            defer { fake.stop() }
            let (agent, agentURL, code) = try fx.agent(origins: [fx.origin, fakeOrigin])
            defer { fx.stop(agent) }
            let ap = HTTP.port(agentURL)
            var page = batch
            page["server"] = fakeOrigin
            let lied = try HTTP.exchange(ap, "POST", "/batches", headers: [("Origin", fakeOrigin), ("X-Hoso-Agent-Key", code)], json: page)
            #expect(lied.status == 400 && lied.json["error"] as? String == "AGENT_BYTES_MISMATCH", "\(lied.text)")
            #expect(lied.json["confirm"] == nil)

            // The agent answers only allowed origins, its own host names, and pages that know the pairing code.
            page["server"] = fx.origin
            let good = [("Origin", fx.origin), ("X-Hoso-Agent-Key", code)]
            let evilOrigin = try HTTP.exchange(
                ap, "POST", "/batches", headers: [("Origin", "http://evil.example"), ("X-Hoso-Agent-Key", code)], json: page)
            #expect(evilOrigin.status == 403 && evilOrigin.header("access-control-allow-origin") == nil, "\(evilOrigin.head)")
            let evilPre = try HTTP.exchange(ap, "OPTIONS", "/batches", headers: [("Origin", "http://evil.example")])
            #expect(evilPre.status == 403 && evilPre.header("access-control-allow-origin") == nil)
            let noOrigin = try HTTP.exchange(ap, "POST", "/batches", headers: [("X-Hoso-Agent-Key", code)], json: page)
            #expect(noOrigin.status == 403)
            let rebound = try HTTP.exchange(ap, "POST", "/batches", host: "evil.example:\(ap)", headers: good, json: page)
            #expect(rebound.status == 421, "\(rebound.head)")
            let unpaired = try HTTP.exchange(
                ap, "POST", "/batches", headers: [("Origin", fx.origin), ("X-Hoso-Agent-Key", "wrong")], json: page)
            #expect(unpaired.status == 401)
            var elsewhere = page
            elsewhere["signatures"] = fakeOrigin + "/api/agent/signatures"
            let redirected = try HTTP.exchange(ap, "POST", "/batches", headers: good, json: elsewhere)
            #expect(redirected.status == 400 && redirected.json["error"] as? String == "AGENT_BAD_BATCH", "\(redirected.text)")

            // A wrong PIN signs nothing and leaves the batch waiting.
            let made = try HTTP.exchange(ap, "POST", "/batches", headers: good, json: page)
            try #require(made.status == 201, "\(made.text)")
            let path = String(try #require(made.json["confirm"] as? String).dropFirst(agentURL.count))
            let nonce = String(try #require(try HTTP.exchange(ap, "GET", path).text.firstMatch(of: /name="nonce" value="([0-9a-f]+)"/)?.1))
            let noNonce = try HTTP.exchange(
                ap, "POST", path, headers: [("Origin", agentURL), Self.form], body: Array("pin=\(AgentFixture.pin)&action=sign".utf8))
            #expect(noNonce.status == 403)
            let wrong = try HTTP.exchange(
                ap, "POST", path, headers: [("Origin", agentURL), Self.form], body: Array("nonce=\(nonce)&pin=0000&action=sign".utf8))
            #expect(wrong.text.contains("id=\"error\"") && wrong.text.contains("PIN"), "\(wrong.text)")
            #expect(!wrong.text.contains("data-signed"))
            // Three wrong PINs end the batch before the token locks itself.
            var last: HTTP.Answer?
            for _ in 0..<2 {
                last = try HTTP.exchange(
                    ap, "POST", path, headers: [("Origin", agentURL), Self.form], body: Array("nonce=\(nonce)&pin=0000&action=sign".utf8))
            }
            #expect(last?.status == 403 && last?.text.contains("too-many-pins") == true, "\(last?.text ?? "")")
            #expect(try HTTP.exchange(ap, "GET", path).status == 404, "the batch is gone after three wrong PINs")
        }
    }

    @Test func theAgentListensOnLoopbackOnlyAndListsModules() throws {
        try withSandbox { box in
            for host in ["0.0.0.0", "192.168.1.10", "::"] {
                let r = try box.hoso(["agent", "--host", host, "--origin", "http://127.0.0.1:8080", "--module", "softhsm2"])
                #expect(r.status == 3 && r.err.contains("AGENT_NOT_LOOPBACK"), "\(host): \(r)")
            }
            let noModule = try box.hoso(["agent", "--origin", "http://127.0.0.1:8080", "--module", "khong-co"])
            #expect(noModule.status == 4 && noModule.err.contains("PKCS11_MODULE_NOT_FOUND"), "\(noModule)")
            let m = try box.hoso(["agent", "modules", "--json"])
            #expect(m.status == 0, "\(m)")
            let list = try #require(try JSONSerialization.jsonObject(with: m.stdout) as? [[String: Any]])
            for name in ["softhsm2", "opensc"] {
                #expect(list.first { $0["name"] as? String == name }?["installed"] is String, "\(name) is installed here")
            }
            #expect(Set(list.compactMap { $0["name"] as? String }).isSuperset(of: ["safenet", "bit4id"]))
        }
    }
}
