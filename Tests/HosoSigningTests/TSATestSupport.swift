import Foundation
import HosoCore
import HosoTestSupport

@testable import HosoSigning
@testable import HosoTransport

/// Helpers for the time-stamping tests: the real `openssl`/`curl` programs, a throwaway PKI
/// made with `openssl ca` (so certificates can be valid in 2019), and the raw requests that abuse the server.
enum TSATest {
    static let openssl = OpenSSLCA.openssl
    static let curl = "/usr/bin/curl"

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `openssl args…` in `cwd` and throws with its stderr when it fails.
    @discardableResult
    static func openssl(_ args: [String], in cwd: String) throws -> [UInt8] {
        let r = try runProgram(openssl, args, in: cwd)
        guard r.status == 0 else { throw Failed(description: "openssl \(args.joined(separator: " ")) → \(r.status): \(r.err)") }
        return [UInt8](r.stdout)
    }

    // MARK: A throwaway PKI

    /// A key and certificate made by `openssl ca`, with PEM texts for the command-line tools.
    struct Issued: Sendable {
        var certificate: Certificate
        var key: PrivateKey
        var certPEM: String
        var keyPEM: String
    }

    /// Root (2019–2039) → "TSA CA" intermediate (2019–2039) → TSA certificates, plus the awkward ones.
    struct PKI: Sendable {
        var root: Issued
        var intermediate: Issued
        /// A TSA certificate valid 2019–2039, critical EKU timeStamping.
        var tsa: Issued
        /// A TSA certificate valid only on 2019-06-01 (UTC): long expired when the tests run.
        var shortTSA: Issued
        /// A document-signing certificate (EKU emailProtection): not a TSA.
        var signer: Issued
        /// EKU timeStamping, but not marked critical (RFC 3161 §2.3 requires critical).
        var nonCriticalTSA: Issued
        /// Another self-signed root that issued none of the above.
        var otherRoot: Issued

        func identity(_ issued: Issued) -> SigningIdentity {
            SigningIdentity(key: issued.key, certificate: issued.certificate, chain: [intermediate.certificate])
        }
    }

    /// Made once per test process (a dozen `openssl` runs); read into memory, its directory removed.
    static let pki: Result<PKI, any Error> = Result { try makePKI() }

    static func sharedPKI() throws -> PKI { try pki.get() }

    private static func makePKI() throws -> PKI {
        let dir = TempDirectory()
        let ca = try OpenSSLCA(in: dir.path, organization: "hoso test")
        // One database for every authority of this PKI, so serial numbers never repeat.
        try ca.database("db")

        /// A P-256 key and a certificate for `cn`, signed by `issuer` (nil: self-signed) for [start, end].
        func issue(_ name: String, cn: String, ext: String, by issuer: String?, start: String, end: String) throws -> Issued {
            try ca.issue(name, cn: cn, ext: ext, by: issuer, start: start, end: end, database: "db")
            let certPEM = String(decoding: try dir.read("\(name).pem"), as: UTF8.self)
            let keyPEM = try dir.read("\(name).key")
            return Issued(
                certificate: try Certificate.load(Array(certPEM.utf8))[0], key: try PrivateKey.load(pem: keyPEM),
                certPEM: certPEM, keyPEM: String(decoding: keyPEM, as: UTF8.self))
        }
        let (from, to) = ("20190101000000Z", "20391231235959Z")
        return PKI(
            root: try issue("root", cn: "Hoso Test Root", ext: "root_ext", by: nil, start: from, end: to),
            intermediate: try issue("ica", cn: "Hoso Test TSA CA", ext: "ca_ext", by: "root", start: from, end: to),
            tsa: try issue("tsa", cn: "Hoso Test TSA", ext: "tsa_ext", by: "ica", start: from, end: to),
            shortTSA: try issue(
                "short", cn: "Hoso Test TSA 2019-06-01", ext: "tsa_ext", by: "ica",
                start: "20190601000000Z", end: "20190602000000Z"),
            signer: try issue("signer", cn: "Nguyễn Văn Ký", ext: "signer_ext", by: "ica", start: from, end: to),
            nonCriticalTSA: try issue(
                "nctsa", cn: "Hoso Test TSA (non-critical EKU)", ext: "tsa_noncritical_ext", by: "ica",
                start: from, end: to),
            otherRoot: try issue("other", cn: "Some Other Root", ext: "root_ext", by: nil, start: from, end: to))
    }

    static func date(_ iso: String) -> Date { HosoClock.parse(iso)! }

    // MARK: Raw HTTP

    /// A TimeStampReq POSTed with the right headers.
    static func post(_ body: [UInt8], path: String = "/", contentType: String = "application/timestamp-query") -> [UInt8] {
        Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
            + body
    }
}
