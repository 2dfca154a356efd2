import Foundation
import HosoCore
import HosoSigning

/// A fixture could not be made; `what` says which step, `output` what it said.
public struct FixtureError: Error, CustomStringConvertible {
    /// The step that failed.
    public var what: String
    /// What the failing step said.
    public var output: String

    /// Describes a failed step.
    public init(_ what: String, output: String = "") {
        self.what = what
        self.output = output
    }

    /// The step and what it said.
    public var description: String { "\(what): \(output)" }
}

/// The current time in whole seconds: what a PKI made "now" for the command-line tools (which judge by the real
/// clock) is dated, since certificates and PDF dates carry no fractions.
public func wholeSecondsNow() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

/// A demo PKI (`DemoPKI.create`) made in a directory at a given time, its roots, intermediates and CRLs loaded.
public final class DemoPKIFixture: Sendable {
    /// The PKI's directory (pki.json, roots/, ca/, the identities' files).
    public let dir: String
    /// The time the PKI was made at.
    public let now: Date
    /// What `DemoPKI.create` wrote (its pki.json).
    public let manifest: DemoPKI.Manifest
    /// Both root certificates.
    public let roots: [Certificate]
    /// Both intermediate CA certificates.
    public let intermediates: [Certificate]
    /// Every CRL the PKI issued.
    public let crls: [CRL]
    /// Every root's PEM file.
    public let rootFiles: [String]

    /// Makes the PKI in `dir` (which must be absent or empty), dated `now`, its PKCS#12 files under `password`.
    public init(in dir: String, now: Date, password: String = "pw") throws {
        self.dir = dir
        self.now = now
        manifest = try DemoPKI.create(at: dir, clock: .fixed(now), password: password)
        rootFiles = manifest.roots.map { "\(dir)/\($0.certificate)" }
        roots = try rootFiles.flatMap { try Certificate.load(file: $0) }
        intermediates = try manifest.intermediates.flatMap { try Certificate.load(file: "\(dir)/\($0.certificate)") }
        crls = try manifest.crls.flatMap { try CRL.load(try Self.bytes("\(dir)/\($0.der)")) }
    }

    /// The path of a file of the PKI, by its path in pki.json.
    public func path(_ rel: String) -> String { "\(dir)/\(rel)" }

    /// The named identity's key and certificate chain, from its PKCS#12 file.
    public func identity(_ name: String) throws -> SigningIdentity {
        guard let id = manifest.identity(name) else { throw FixtureError("no identity \(name) in pki.json") }
        return try PKCS12.open(try Self.bytes(path(id.files.p12)), password: manifest.password)
    }

    /// The named root's certificate.
    public func root(_ name: String) throws -> Certificate {
        guard let a = manifest.roots.first(where: { $0.name == name }) else { throw FixtureError("no root \(name) in pki.json") }
        return try Certificate.load(file: path(a.certificate))[0]
    }

    /// The PKI's time-stamping authority, its clock fixed at `time` (default: `now`).
    public func tsa(at time: Date? = nil) throws -> TimeStampAuthority {
        try TimeStampAuthority(identity: try identity("tsa"), clock: .fixed(time ?? now))
    }

    /// A verifier that trusts this PKI (or only `roots`, or other `crls`) and judges at `time` (default: a minute
    /// after `now`).
    public func verifier(at time: Date? = nil, roots: [Certificate]? = nil, crls: [CRL]? = nil) -> SignatureVerifier {
        SignatureVerifier(
            trust: TrustContext(roots: roots ?? self.roots, intermediates: intermediates, crls: crls ?? self.crls),
            clock: .fixed(time ?? now + 60))
    }

    private static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}
