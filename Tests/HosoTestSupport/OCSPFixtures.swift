import Foundation
import HosoSigning

// Shared by the OCSP tests (HosoSigningTests) and the certified copies' OCSP tests (HosoKitTests).

/// A PKI made with `openssl ca` whose leaves name an OCSP responder on loopback, and real `openssl ocsp` responders
/// answering from the CA's database: one with a good delegated responder certificate, one whose responder
/// certificate the CA revoked. The CA's own CRL is stale (2025), so where OCSP is refused the verdict shows it.
public final class OCSPPKI: @unchecked Sendable {
    public let ca: OpenSSLCA
    /// The loopback port the leaves name as their responder's.
    public let port: Int
    public var dir: String { ca.dir }

    private static let responderLock = NSLock()
    public static let shared: Result<OCSPPKI, any Error> = Result { try OCSPPKI() }

    private init() throws {
        let dir = try scratchDirectory("ocsp-pki")
        ca = try OpenSSLCA(in: dir, organization: "hoso OCSP test")
        port = try freeLoopbackPort()
        let extra = """
            [ leaf_ocsp_ext ]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature,nonRepudiation
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            authorityInfoAccess = OCSP;URI:http://127.0.0.1:\(port)/
            [ ocsp_responder_ext ]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = OCSPSigning
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/ca.cnf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(extra.utf8))
        try handle.close()
        let (start, end) = ("20230101000000Z", "20330101000000Z")
        for db in ["root", "ca", "other"] { try ca.database(db) }
        // Serials of the other database never meet the CA's (both would start at 1000).
        try Data("9000\n".utf8).write(to: URL(fileURLWithPath: dir + "/other/serial"))
        try ca.issue("root", cn: "OCSP Test Root", ext: "root_ext", by: nil, start: start, end: end)
        try ca.issue("ca", cn: "OCSP Test CA", ext: "ca_ext", by: "root", start: start, end: end)
        try ca.issue("good", cn: "Good signer", ext: "leaf_ocsp_ext", by: "ca", start: start, end: end)
        try ca.issue("revoked", cn: "Revoked signer", ext: "leaf_ocsp_ext", by: "ca", start: start, end: end)
        // Issued by the CA's key but recorded in another database: the responder has never heard of it.
        try ca.issue("stranger", cn: "Unknown signer", ext: "leaf_ocsp_ext", by: "ca", start: start, end: end, database: "other")
        try ca.issue("responder", cn: "OCSP responder", ext: "ocsp_responder_ext", by: "ca", start: start, end: end)
        try ca.issue("badresponder", cn: "Revoked OCSP responder", ext: "ocsp_responder_ext", by: "ca", start: start, end: end)
        try ca.revoke("revoked", database: "ca", issuer: "ca")
        try ca.revoke("badresponder", database: "ca", issuer: "ca")
        try ca.crl(
            database: "root", cert: "root", key: "root", ext: "crl_plain", last: "20260101000000Z", next: "20360101000000Z", out: "crl-root"
        )
        try ca.crl(
            database: "ca", cert: "ca", key: "ca", ext: "crl_plain", last: "20250101000000Z", next: "20250201000000Z", out: "crl-ca-stale")
    }

    public func cert(_ name: String) throws -> Certificate { try Certificate.load(file: "\(dir)/\(name).pem")[0] }
    public func crl(_ name: String) throws -> CRL {
        try CRL.load([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).pem"))))[0]
    }
    public func identity(_ name: String) throws -> SigningIdentity {
        let key = try PrivateKey.load(pem: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).key"))))
        return SigningIdentity(key: key, certificate: try cert(name), chain: [try cert("ca")])
    }

    /// Runs `openssl ocsp` as a responder signing with `signer` on the PKI's port for the length of `body` (OpenSSL
    /// 3.0's `-port` takes a number only; the certificates name 127.0.0.1).
    public func withResponder<T>(signer: String, _ body: () throws -> T) throws -> T {
        // One responder at a time in the whole test process: suites in several test targets share the port.
        Self.responderLock.lock()
        defer { Self.responderLock.unlock() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: OpenSSLCA.openssl)
        p.arguments = [
            "ocsp", "-index", "ca/index.txt", "-port", "\(port)", "-rsigner", "\(signer).pem", "-rkey", "\(signer).key",
            "-CA", "ca.pem", "-ndays", "1",
        ]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let outPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = FileHandle.nullDevice
        try launch(p)
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        // The responder says ACCEPT (on stdout) once it listens; a safety bound only, never a wait for time to pass.
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("ACCEPT") {
            let chunk = outPipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw FixtureError("openssl ocsp ended", output: String(decoding: said, as: UTF8.self)) }
            said.append(chunk)
        }
        return try body()
    }
}

/// A port free on 127.0.0.1 now (the kernel's choice for port 0).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
        }
    }
    guard ok else { throw FixtureError("bind") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
