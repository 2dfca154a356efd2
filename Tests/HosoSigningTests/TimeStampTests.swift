import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning
@testable import HosoTransport

@Suite struct TimeStampTests {
    static let june2019 = TSATest.date("2019-06-01T10:00:00Z")

    func authority(
        _ pki: TSATest.PKI, _ issued: KeyPath<TSATest.PKI, TSATest.Issued> = \.tsa,
        at date: Date = june2019
    ) throws -> TimeStampAuthority {
        try TimeStampAuthority(identity: pki.identity(pki[keyPath: issued]), clock: .fixed(date))
    }

    // (a) A token made in-process verifies, with the genTime of the injected clock and its other fields.
    @Test func inProcessTokenVerifies() throws {
        let pki = try TSATest.sharedPKI()
        let digest = TimeStampHash.sha256.digest(Array("Sổ gốc cấp bằng tốt nghiệp THPT 2019".utf8))
        let der = try authority(pki).token(forDigest: digest)
        let token = try TimeStampToken(der: der)
        #expect(token.der == der)
        #expect(token.genTime == Self.june2019)
        #expect(token.imprint == digest && token.imprintAlgorithm == .sha256)
        #expect(token.policy == OID.hosoTSAPolicy)
        #expect(token.nonceHex != nil)
        #expect(token.serialHex.count >= 30)  // 128 random bits
        #expect(token.tsaCertificate == pki.tsa.certificate)
        #expect(token.certificates.contains(pki.intermediate.certificate))

        let check = token.verify(imprint: digest, trustedRoots: [pki.root.certificate], intermediates: [])
        #expect(check == .valid(genTime: Self.june2019, tsa: pki.tsa.certificate))
        #expect(TimeStampToken.check(der: der, imprint: digest, trustedRoots: [pki.root.certificate]) == check)
    }

    @Test func genTimeKeepsFractionalSecondsAndSerialsDiffer() throws {
        let pki = try TSATest.sharedPKI()
        let when = TSATest.date("2019-06-01T10:00:00Z").addingTimeInterval(0.25)
        let tsa = try authority(pki, at: when)
        let digest = TimeStampHash.sha512.digest([1, 2, 3])
        let tokens = try (0..<5).map { _ in try TimeStampToken(der: tsa.token(forDigest: digest, algorithm: .sha512)) }
        #expect(tokens.allSatisfy { abs($0.genTime.timeIntervalSince(when)) < 0.0005 })
        #expect(tokens.allSatisfy { $0.imprintAlgorithm == .sha512 })
        #expect(Set(tokens.map(\.serialHex)).count == 5)
        #expect(Set(tokens.map(\.nonceHex)).count == 5)
    }

    // (b) The same token, checked against other data.
    @Test func otherDataIsAnImprintMismatch() throws {
        let pki = try TSATest.sharedPKI()
        let digest = TimeStampHash.sha256.digest(Array("bản gốc".utf8))
        let der = try authority(pki).token(forDigest: digest)
        let other = TimeStampHash.sha256.digest(Array("bản đã sửa".utf8))
        #expect(TimeStampToken.check(der: der, imprint: other, trustedRoots: [pki.root.certificate]) == .imprintMismatch)
        // The imprint is compared first: even an untrusted root reports the mismatch.
        #expect(TimeStampToken.check(der: der, imprint: other, trustedRoots: []) == .imprintMismatch)
    }

    // (c) Flipped signature bytes.
    @Test func flippedSignatureIsBadSignature() throws {
        let pki = try TSATest.sharedPKI()
        let digest = TimeStampHash.sha256.digest([42])
        var der = try authority(pki).token(forDigest: digest)
        // The SignerInfo's signature (an ECDSA SEQUENCE of r, s) is the last field of the token: change s.
        der[der.count - 1] ^= 0x01
        let token = try TimeStampToken(der: der)
        #expect(token.verify(imprint: digest, trustedRoots: [pki.root.certificate], intermediates: []) == .badSignature)
    }

    @Test func changedTSTInfoIsBadSignature() throws {
        let pki = try TSATest.sharedPKI()
        let digest = TimeStampHash.sha256.digest([7])
        let der = try authority(pki).token(forDigest: digest)
        // Move genTime by a year inside the signed TSTInfo ("2019" → "2018"): the content digest no longer matches.
        let year = Array("20190601".utf8)
        let at = try #require(byteOffset(of: year, in: der))
        var forged = der
        forged[at + 3] = UInt8(ascii: "8")
        let token = try TimeStampToken(der: forged)
        #expect(token.genTime == TSATest.date("2018-06-01T10:00:00Z"))
        #expect(token.verify(imprint: digest, trustedRoots: [pki.root.certificate], intermediates: []) == .badSignature)
    }

    // (d) A root that is not trusted.
    @Test func untrustedRootIsUntrustedTSA() throws {
        let pki = try TSATest.sharedPKI()
        let digest = TimeStampHash.sha256.digest([9])
        let token = try TimeStampToken(der: authority(pki).token(forDigest: digest))
        #expect(token.verify(imprint: digest, trustedRoots: [pki.otherRoot.certificate], intermediates: []) == .untrustedTSA)
        #expect(token.verify(imprint: digest, trustedRoots: [], intermediates: []) == .untrustedTSA)
        // Trusting the intermediate alone is not enough: chains end at a root.
        #expect(token.verify(imprint: digest, trustedRoots: [pki.intermediate.certificate], intermediates: []) == .untrustedTSA)
    }

    @Test func intermediatesMayComeFromTheCaller() throws {
        let pki = try TSATest.sharedPKI()
        let digest = TimeStampHash.sha256.digest([10])
        // A TSA that does not ship its chain: the verifier supplies the intermediate.
        let bare = try TimeStampAuthority(
            identity: SigningIdentity(key: pki.tsa.key, certificate: pki.tsa.certificate),
            clock: .fixed(Self.june2019))
        let token = try TimeStampToken(der: bare.token(forDigest: digest))
        #expect(token.certificates == [pki.tsa.certificate])
        #expect(token.verify(imprint: digest, trustedRoots: [pki.root.certificate], intermediates: []) == .untrustedTSA)
        #expect(
            token.verify(imprint: digest, trustedRoots: [pki.root.certificate], intermediates: [pki.intermediate.certificate])
                == .valid(genTime: Self.june2019, tsa: pki.tsa.certificate))
    }

    // (e) Certificates that are not TSA certificates are refused when the authority is made.
    @Test func nonTSACertificatesAreRefused() throws {
        let pki = try TSATest.sharedPKI()
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) { try authority(pki, \.signer) }
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) { try authority(pki, \.nonCriticalTSA) }
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) { try authority(pki, \.root) }
        // The right certificate with the wrong key.
        let mismatched = SigningIdentity(key: pki.signer.key, certificate: pki.tsa.certificate)
        #expect(throws: HosoError(.keyCertMismatch, .both("", ""))) {
            try TimeStampAuthority(identity: mismatched, clock: .system)
        }
    }

    // A token signed correctly, but by a document-signing certificate (made with `openssl cms` over a real TSTInfo).
    @Test func tokenFromANonTSACertificate() throws {
        let pki = try TSATest.sharedPKI()
        let dir = TempDirectory()
        let digest = TimeStampHash.sha256.digest([11])
        let genuine = try authority(pki).token(forDigest: digest)
        dir.write("tst.der", try Self.tstInfo(of: genuine))
        dir.write("signer.pem", pki.signer.certPEM)
        dir.write("signer.key", pki.signer.keyPEM)
        dir.write("tsa.pem", pki.tsa.certPEM)
        dir.write("tsa.key", pki.tsa.keyPEM)
        func sign(_ name: String, cades: Bool) throws -> [UInt8] {
            try TSATest.openssl(
                [
                    "cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-nosmimecap",
                    "-econtent_type", "1.2.840.113549.1.9.16.1.4", "-in", "tst.der",
                    "-signer", "\(name).pem", "-inkey", "\(name).key", "-outform", "DER",
                ] + (cades ? ["-cades"] : []),
                in: dir.path)
        }
        let roots = [pki.root.certificate]
        let chain = [pki.intermediate.certificate]
        // Signature fine, signer not a TSA.
        let fake = try TimeStampToken(der: sign("signer", cades: true))
        #expect(fake.tsaCertificate == pki.signer.certificate)
        #expect(fake.verify(imprint: digest, trustedRoots: roots, intermediates: chain) == .notATimeStampingCertificate)
        // The real TSA key, but no ESS signing-certificate attribute: RFC 3161 §2.4.2 requires it.
        let noESS = try TimeStampToken(der: sign("tsa", cades: false))
        #expect(noESS.verify(imprint: digest, trustedRoots: roots, intermediates: chain) == .badSignature)
        // With it (CAdES signing-certificate-v2), the same hand-made token is accepted.
        let withESS = try TimeStampToken(der: sign("tsa", cades: true))
        #expect(
            withESS.verify(imprint: digest, trustedRoots: roots, intermediates: chain)
                == .valid(genTime: Self.june2019, tsa: pki.tsa.certificate))
    }

    // (i) Validation happens at genTime: the TSA certificate expired on 2019-06-02, the token still checks.
    @Test func tokenOutlivesTheTSACertificate() throws {
        let pki = try TSATest.sharedPKI()
        #expect(!pki.shortTSA.certificate.isValid(at: Date()))
        let digest = TimeStampHash.sha256.digest(Array("học bạ 2019".utf8))
        let when = TSATest.date("2019-06-01T08:30:00Z")
        let token = try TimeStampToken(der: authority(pki, \.shortTSA, at: when).token(forDigest: digest))
        #expect(
            token.verify(imprint: digest, trustedRoots: [pki.root.certificate], intermediates: [])
                == .valid(genTime: when, tsa: pki.shortTSA.certificate))

        // OpenSSL agrees when asked about genTime, and refuses "now".
        let dir = TempDirectory()
        dir.write("token.der", token.der)
        dir.write("root.pem", pki.root.certPEM)
        dir.write("chain.pem", pki.shortTSA.certPEM + pki.intermediate.certPEM)
        let args = [
            "ts", "-verify", "-token_in", "-in", "token.der", "-digest", Hex.encode(digest),
            "-CAfile", "root.pem", "-untrusted", "chain.pem",
        ]
        let atGenTime = try runProgram(TSATest.openssl, args + ["-attime", "\(Int(when.timeIntervalSince1970))"], in: dir.path)
        #expect(atGenTime.status == 0, "\(atGenTime.err)")
        let now = try runProgram(TSATest.openssl, args, in: dir.path)
        #expect(now.status != 0)
    }

    @Test func authorityRefusesOutsideItsCertificatesValidity() throws {
        let pki = try TSATest.sharedPKI()
        let late = try authority(pki, \.shortTSA, at: TSATest.date("2020-01-01T00:00:00Z"))
        #expect(throws: HosoError(.badTimestamp, .both("", ""))) {
            try late.token(forDigest: TimeStampHash.sha256.digest([1]))
        }
    }

    // Malformed requests and weak digests get a rejection, never a crash.
    @Test func badRequestsAreRejected() throws {
        let pki = try TSATest.sharedPKI()
        let tsa = try authority(pki)
        func status(_ response: [UInt8]) throws -> (granted: Bool, text: String) {
            try #require(TimeStampClient.status(of: response))
        }
        #expect(try status(tsa.respond(to: [])).text.contains("rejection"))
        #expect(try status(tsa.respond(to: Array("not a request".utf8))).text.contains("badDataFormat"))
        #expect(try status(TimeStampAuthority.systemFailure()).text == "rejection, systemFailure")

        // SHA-1 and MD5 imprints, made by the openssl command line.
        let dir = TempDirectory()
        dir.write("data.txt", "dữ liệu")
        for alg in ["sha1", "md5"] {
            try TSATest.openssl(["ts", "-query", "-data", "data.txt", "-\(alg)", "-cert", "-out", "\(alg).tsq"], in: dir.path)
            let s = try status(tsa.respond(to: dir.read("\(alg).tsq")))
            #expect(!s.granted && s.text.contains("badAlg"), "\(alg): \(s.text)")
        }
        try TSATest.openssl(["ts", "-query", "-data", "data.txt", "-sha384", "-cert", "-out", "ok.tsq"], in: dir.path)
        let good = try dir.read("ok.tsq")
        #expect(try status(tsa.respond(to: good)).granted)
        // A request for a policy this TSA does not have.
        try TSATest.openssl(["ts", "-query", "-data", "data.txt", "-sha256", "-tspolicy", "1.2.3.4", "-out", "pol.tsq"], in: dir.path)
        #expect(try status(tsa.respond(to: dir.read("pol.tsq"))).text.contains("unacceptedPolicy"))

        // Every truncation and many single-byte changes of a good request: an answer each time, never a crash.
        for n in 0..<good.count { _ = tsa.respond(to: Array(good.prefix(n))) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var b = good
            b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            #expect(!tsa.respond(to: b).isEmpty)
        }
    }

    @Test func responseMustAnswerTheRequest() throws {
        let pki = try TSATest.sharedPKI()
        let tsa = try authority(pki)
        let digest = TimeStampHash.sha256.digest([5])
        let first = try TimeStampClient.request(digest: digest)
        let second = try TimeStampClient.request(digest: digest)
        let reply = tsa.respond(to: first.der)
        #expect(throws: HosoError(.badTimestamp, .both("", ""))) { try TimeStampClient.token(from: reply, for: second) }
        let token = try TimeStampClient.token(from: reply, for: first)
        #expect(try TimeStampToken(der: token).nonceHex == first.nonceHex)
        #expect(throws: HosoError(.badTimestamp, .both("", ""))) { try TimeStampClient.request(digest: [1, 2, 3]) }
        #expect(TimeStampToken.check(der: [0x30, 0x03, 0x02, 0x01, 0x01], imprint: digest, trustedRoots: []) == .malformed)
        #expect(throws: HosoError(.badTimestamp, .both("", ""))) { try TimeStampToken(der: reply) }
    }

    // MARK: The HTTP server

    // (f) `openssl ts -query`, POSTed with curl, verified with `openssl ts -verify`.
    @Test func serverAnswersOpenSSLAndCurl() throws {
        let pki = try TSATest.sharedPKI()
        let server = TSAServer(authority: try authority(pki, at: Date()))
        let port = try server.start()
        defer { server.stop() }
        let dir = TempDirectory()
        dir.write("ledger.pdf", Array("Sổ gốc — trang 1".utf8) + (0..<5000).map { UInt8(truncatingIfNeeded: $0) })
        dir.write("root.pem", pki.root.certPEM)
        dir.write("tsa.pem", pki.tsa.certPEM + pki.intermediate.certPEM)
        try TSATest.openssl(["ts", "-query", "-data", "ledger.pdf", "-sha256", "-cert", "-out", "req.tsq"], in: dir.path)
        let curl = try runProgram(
            TSATest.curl,
            [
                "-sS", "--fail", "-H", "Content-Type: application/timestamp-query",
                "--data-binary", "@req.tsq", "-o", "resp.tsr",
                "-w", "%{content_type}", "http://127.0.0.1:\(port)/tsa",
            ], in: dir.path)
        #expect(curl.status == 0, "\(curl.err)")
        #expect(curl.out == "application/timestamp-reply")
        let verify = try runProgram(
            TSATest.openssl,
            [
                "ts", "-verify", "-data", "ledger.pdf", "-in", "resp.tsr",
                "-CAfile", "root.pem", "-untrusted", "tsa.pem",
            ], in: dir.path)
        #expect(verify.status == 0, "\(verify.err)")
        #expect(verify.out.contains("Verification: OK"))
    }

    // (g) Our client against our server.
    @Test func clientFetchesAVerifiableToken() throws {
        let pki = try TSATest.sharedPKI()
        let server = TSAServer(authority: try authority(pki))
        let port = try server.start()
        defer { server.stop() }
        #expect(server.url == "http://127.0.0.1:\(port)/")
        let digests = (0..<6).map { TimeStampHash.sha256.digest([UInt8($0)]) }
        // Several at once: connections are served concurrently.
        let results = Locked([Int: [UInt8]]())
        DispatchQueue.concurrentPerform(iterations: digests.count) { i in
            if let t = try? TimeStampClient.fetch(url: "http://127.0.0.1:\(port)/", digest: digests[i], timeout: 3600) {
                results.withLock { $0[i] = t }
            }
        }
        let tokens = results.value
        #expect(tokens.count == digests.count)
        for (i, der) in tokens {
            #expect(
                TimeStampToken.check(der: der, imprint: digests[i], trustedRoots: [pki.root.certificate])
                    == .valid(genTime: Self.june2019, tsa: pki.tsa.certificate))
        }
    }

    @Test func clientReportsAnUnavailableTSA() throws {
        let pki = try TSATest.sharedPKI()
        let server = TSAServer(authority: try authority(pki))
        let port = try server.start()
        server.stop()  // nothing listens there now
        let digest = TimeStampHash.sha256.digest([1])
        for url in ["http://127.0.0.1:\(port)/", "ftp://example.org/", "not a url", "http://127.0.0.1:\(port)/nope"] {
            #expect(throws: HosoError(.tsaUnavailable, .both("", ""))) { try TimeStampClient.fetch(url: url, digest: digest, timeout: 3) }
        }
        do {
            _ = try TimeStampClient.fetch(url: "http://127.0.0.1:\(port)/", digest: digest, timeout: 3)
        } catch let e as HosoError {
            #expect(e.location == "http://127.0.0.1:\(port)/")
        }
        // A server that answers, but not at that path: 404 is TSA_UNAVAILABLE too.
        let live = TSAServer(authority: try authority(pki))
        let livePort = try live.start()
        defer { live.stop() }
        #expect(throws: HosoError(.tsaUnavailable, .both("", ""))) {
            try TimeStampClient.fetch(url: "http://127.0.0.1:\(livePort)/elsewhere", digest: digest, timeout: 3600)
        }
    }

    // (h) Garbage, oversized and wrong-method requests get a 4xx, and the server keeps serving.
    @Test func serverSurvivesBadRequests() throws {
        let pki = try TSATest.sharedPKI()
        let server = TSAServer(authority: try authority(pki))
        let port = try server.start()
        defer { server.stop() }
        let query = try TimeStampClient.request(digest: TimeStampHash.sha256.digest([3])).der

        let cases: [(String, [UInt8], Int)] = [
            ("garbage", (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 37) } + [13, 10, 13, 10], 400),
            ("not HTTP", Array("HELLO\r\n\r\n".utf8), 400),
            ("GET", Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 405),
            ("PUT", Array("PUT /tsa HTTP/1.1\r\nContent-Type: application/timestamp-query\r\nContent-Length: 0\r\n\r\n".utf8), 405),
            ("path", TSATest.post(query, path: "/admin"), 404),
            ("content type", TSATest.post(query, contentType: "application/json"), 415),
            ("no length", Array("POST / HTTP/1.1\r\nContent-Type: application/timestamp-query\r\n\r\n".utf8) + query, 411),
            (
                "chunked over the limit",
                Array("POST / HTTP/1.1\r\nContent-Type: application/timestamp-query\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
                    + Array("11170\r\n".utf8) + [UInt8](repeating: 0x30, count: 70_000) + Array("\r\n0\r\n\r\n".utf8), 413
            ),
            ("bad length", Array("POST / HTTP/1.1\r\nContent-Type: application/timestamp-query\r\nContent-Length: -5\r\n\r\n".utf8), 400),
            ("two lengths", Array("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".utf8), 400),
            (
                "oversize",
                Array("POST / HTTP/1.1\r\nContent-Type: application/timestamp-query\r\nContent-Length: 70000\r\n\r\n".utf8)
                    + [UInt8](repeating: 0x30, count: 70_000), 413
            ),
            ("huge head", Array("POST / HTTP/1.1\r\nX-Junk: ".utf8) + [UInt8](repeating: 0x41, count: 20_000) + [13, 10, 13, 10], 431),
            ("short body", TSATest.post(query).dropLast(10), 400),
        ]
        for (name, bytes, expected) in cases {
            let answer = try RawConnection.exchange(port: port, Array(bytes), halfClose: true)
            #expect(answer.status == expected, "\(name)")
        }
        // A syntactically fine HTTP request whose body is not a TimeStampReq: the protocol's own rejection.
        let junk = try RawConnection.exchange(port: port, TSATest.post(Array("garbage".utf8)))
        #expect(junk.status == 200)
        #expect(throws: HosoError(.badTimestamp, .both("", ""))) {
            try TimeStampClient.token(from: junk.body, for: TimeStampClient.request(digest: TimeStampHash.sha256.digest([3])))
        }
        // Still serving, at both paths.
        for path in ["/", "/tsa"] {
            let ok = try RawConnection.exchange(port: port, TSATest.post(query, path: path))
            #expect(ok.status == 200)
            let req = try TimeStampClient.request(digest: TimeStampHash.sha256.digest([4]))
            let answer = try RawConnection.exchange(port: port, TSATest.post(req.der, path: path))
            #expect(
                TimeStampToken.check(
                    der: try TimeStampClient.token(from: answer.body, for: req),
                    imprint: req.imprint, trustedRoots: [pki.root.certificate])
                    == .valid(genTime: Self.june2019, tsa: pki.tsa.certificate))
        }
        // A peer that connects and says nothing, or hangs up at once, does not stop the others.
        _ = try RawConnection.exchange(port: port, [], halfClose: true)
        let token = try TimeStampClient.fetch(url: "http://127.0.0.1:\(port)/tsa", digest: TimeStampHash.sha256.digest([8]), timeout: 3600)
        #expect(!token.isEmpty)
    }

    @Test func serverStopsAndRestarts() throws {
        let pki = try TSATest.sharedPKI()
        let server = TSAServer(authority: try authority(pki))
        let port = try server.start()
        #expect(try server.start() == port)  // already running
        server.stop()
        server.stop()  // twice is fine
        #expect(server.url == nil)
        #expect(throws: RawConnection.Failed.self) { try RawConnection.exchange(port: port, TSATest.post([])) }
        let again = try server.start()
        defer { server.stop() }
        #expect(try RawConnection.exchange(port: again, TSATest.post([])).status == 200)
    }

    /// The TSTInfo inside a token: ContentInfo → [0] SignedData → encapContentInfo → [0] → OCTET STRING.
    static func tstInfo(of token: [UInt8]) throws -> [UInt8] {
        let contentInfo = try DER.parse(token[...]).0.children
        let signedData = try DER.parse(contentInfo[1].content).0.children
        let encap = try signedData[2].children
        let octets = try DER.parse(encap[1].content).0
        return Array(octets.content)
    }
}
