import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning

@Suite struct CMSTests {
    static let content = Array(#"{"type":"grade-book","body":{"mark":"8,5 — Nguyễn Văn An"}}"#.utf8)

    @Test(arguments: ["rsa", "ec"])
    func signaturesVerifyWithOpenSSLCAdES(_ name: String) throws {
        let fx = try OpenSSLFixture()
        let id = try fx.identity(name)
        let time = Date(timeIntervalSince1970: TimeInterval(Int(Date().timeIntervalSince1970)))
        let der = try CMSSigner.sign(content: Self.content, identity: id, role: .subjectTeacher, at: time)
        try Data(der).write(to: URL(fileURLWithPath: "\(fx.dir)/sig.p7s"))
        try Data(Self.content).write(to: URL(fileURLWithPath: "\(fx.dir)/content.json"))
        let r = try shell(
            "openssl cms -verify -cades -binary -inform DER -in sig.p7s -content content.json -CAfile root.pem -out /dev/null",
            in: fx.dir)
        #expect(r.status == 0, "\(r.output)")
        let text = try shell("openssl cms -cmsout -print -inform DER -in sig.p7s", in: fx.dir).output
        if name == "rsa" { #expect(text.contains("rsassaPss")) } else { #expect(text.contains("ecdsa-with-SHA256")) }
        #expect(text.contains("id-smime-aa-signingCertificateV2"))

        let parsed = try SignedData(der: der)
        #expect(parsed.isDetached)
        let s = try #require(parsed.signers.first)
        #expect(s.certificate == id.certificate)
        #expect(s.role == .subjectTeacher)
        #expect(s.signingTime == time)
        #expect(s.essMatches(id.certificate) == true)
        #expect(s.signatureIsValid())
        #expect(s.contentMatches(Self.content))
        #expect(!s.contentMatches(Self.content + [0x20]))
        #expect(s.messageDigest == SHA256.hash(Self.content))
    }

    @Test func tamperedContentFailsWithOpenSSLToo() throws {
        let fx = try OpenSSLFixture()
        let der = try CMSSigner.sign(content: Self.content, identity: try fx.identity("ec"), role: nil, at: Date())
        try Data(der).write(to: URL(fileURLWithPath: "\(fx.dir)/sig.p7s"))
        var bad = Self.content
        bad[10] ^= 1
        try Data(bad).write(to: URL(fileURLWithPath: "\(fx.dir)/content.json"))
        let r = try shell(
            "openssl cms -verify -cades -binary -inform DER -in sig.p7s -content content.json -CAfile root.pem -out /dev/null",
            in: fx.dir)
        #expect(r.status != 0)
        #expect(try SignedData(der: der).signers[0].role == nil)
    }

    @Test func weakOrUnusableKeysAreRefused() throws {
        let fx = try OpenSSLFixture()
        #expect(throws: HosoError(.weakAlgorithm, .both("", ""))) {
            _ = try CMSSigner.sign(content: Self.content, identity: try fx.identity("rsa1024"), role: nil, at: Date())
        }
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) {
            _ = try CMSSigner.sign(content: Self.content, identity: try fx.identity("wrongusage"), role: nil, at: Date())
        }
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) {
            _ = try CMSSigner.sign(
                content: Self.content, identity: try fx.identity("ec"), role: nil,
                at: Date().addingTimeInterval(3 * 365 * 86400))
        }
        var mixed = try fx.identity("ec")
        mixed.certificate = try fx.identity("rsa").certificate
        #expect(throws: HosoError(.keyCertMismatch, .both("", ""))) {
            _ = try CMSSigner.sign(content: Self.content, identity: mixed, role: nil, at: Date())
        }
        #expect(throws: HosoError(.badPassword, .both("", ""))) {
            _ = try PKCS12.open([UInt8](FileManager.default.contents(atPath: "\(fx.dir)/ec.p12")!), password: "nope")
        }
    }

    @Test func roleAttributeRoundTrips() throws {
        for role in SignerRole.allCases {
            #expect(CMSSigner.role(fromAttributeValue: CMSSigner.roleAttributeValue(role)) == role)
        }
    }
}
