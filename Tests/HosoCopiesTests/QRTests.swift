import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoCopies
@testable import HosoSigning

// MARK: - Fixtures (every name starts with QR/qr: other files share this test target)

private struct QRKeys: Sendable {
    /// The office's QR signing identity: the demo registrar (cán bộ quản lý văn bằng), an ECDSA P-256 key.
    var office: SigningIdentity
    /// Another office: a different EC P-256 key and certificate (self-signed, not from this PKI).
    var otherOffice: SigningIdentity
    /// The demo office head: an RSA 2048 key, which cannot sign QR payloads.
    var officeHeadRSA: SigningIdentity
}

/// One demo PKI per test process (RSA 3072 key generation costs seconds), removed at exit.
private let qrSharedKeys: Result<QRKeys, any Error> = Result {
    let now = wholeSecondsNow()
    let pki = try DemoPKIFixture(in: try scratchDirectory("qrpki") + "/pki", now: now, password: "qr-test")
    let otherKey = try PrivateKey.generate(.ecP256)
    let otherSpec = CertificateSpec(
        subject: [.country("VN"), .organization("Phòng Giáo dục và Đào tạo huyện Mường Khương"), .commonName("Mường Khương QR")],
        notBefore: now - 86_400, notAfter: now + 365 * 86_400,
        keyUsage: [.digitalSignature, .nonRepudiation])
    let otherCert = try PKI.issue(otherSpec, key: otherKey, issuer: nil)
    return QRKeys(
        office: try pki.identity("can-bo-van-bang"), otherOffice: SigningIdentity(key: otherKey, certificate: otherCert),
        officeHeadRSA: try pki.identity("truong-phong"))
}

private func qrKeys() throws -> QRKeys { try qrSharedKeys.get() }

/// The realistic case: a long Vietnamese name and a long issuing office.
private let qrRealisticPayload = CopyPayload(
    holderName: "Nguyễn Thị Phương Thảo", dateOfBirth: "2009-03-15", serial: "A 0654321", ledgerNumber: "0125",
    ledgerYear: 2024, issuingOffice: "Xã Hòa Bình, huyện Hòa Bình, tỉnh Hòa Bình", copyNumber: 37, issueDate: "2025-09-12")

/// The payload as decoding returns it: NFC text and the signer's key id.
private func qrExpected(_ p: CopyPayload, signer: SigningIdentity) throws -> CopyPayload {
    var e = p.normalized()
    e.keyId = try QRPayloadCodec.keyId(of: signer.certificate)
    return e
}

/// An error to compare with: HosoError equality is on the code.
private func qrErr(_ code: HosoError.Code) -> HosoError { HosoError(code, .both("", "")) }

private func qrIsMalformed(_ c: QRCheck) -> Bool {
    if case .malformed = c { return true }
    return false
}

/// A named bad input, so test names stay short.
struct QRGarbage: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
    }
    var testDescription: String { name }
}

// MARK: - Tests

@Suite("QR payloads and codes")
struct QRTests {
    // RFC 9285 §4.3 and §4.4 examples.
    @Test func qrBase45MatchesRFC9285() throws {
        #expect(Base45.encode(Array("AB".utf8)) == "BB8")
        #expect(Base45.encode(Array("Hello!!".utf8)) == "%69 VD92EX0")
        #expect(Base45.encode(Array("base-45".utf8)) == "UJCLQE7W581")
        #expect(try Base45.decode("QED8WEX0") == Array("ietf!".utf8))
        #expect(try Base45.decode("") == [])
        #expect(throws: Base45.DecodingError.self) { try Base45.decode("GGW") }  // 65536
        #expect(throws: Base45.DecodingError.self) { try Base45.decode("A") }  // one character over
        #expect(throws: Base45.DecodingError.self) { try Base45.decode("bb8") }  // lower case is not Base45
        #expect(throws: Base45.DecodingError.self) { try Base45.decode(":G") }  // 44 + 16·45 > 255
        var g = SystemRandomNumberGenerator()
        for n in 0..<40 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            #expect(try Base45.decode(Base45.encode(bytes)) == bytes)
        }
    }

    @Test func qrRealisticPayloadFitsVersion15AtLevelM() throws {
        let keys = try qrKeys()
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        #expect(text.hasPrefix("HS1:"))
        #expect(text.utf8.allSatisfy(QRCode.isAlphanumeric))
        // Deterministic length: the compressed body does not depend on the key, and r‖s is always 64 bytes.
        #expect(text.count == 268)
        let (version, modules) = try QRCode.modules(for: text, level: .m)
        #expect(version == 10)
        #expect(version <= 15)
        #expect(modules.count == 17 + 4 * version)
        #expect(modules.allSatisfy { $0.count == modules.count })

        let decoded = try QRPayloadCodec.decode(text)
        #expect(decoded.payload == (try qrExpected(qrRealisticPayload, signer: keys.office)))
        #expect(decoded.payload.keyId.count == 8)
        #expect(decoded.payload.keyId == (try QRPayloadCodec.keyId(of: keys.office.key)))
        #expect(decoded.signature.count == 64)
        #expect(
            QRPayloadCodec.verify(text, certificates: [keys.office.certificate])
                == .valid(try qrExpected(qrRealisticPayload, signer: keys.office), office: keys.office.certificate))
    }

    @Test func qrPayloadJSONCarriesTheKeyIdInHex() throws {
        let keys = try qrKeys()
        let p = try qrExpected(qrRealisticPayload, signer: keys.office)
        let json = try JSONEncoder().encode(p)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["keyId"] as? String == p.keyIdHex)
        #expect(p.keyIdHex.count == 16)
        #expect(try JSONDecoder().decode(CopyPayload.self, from: json) == p)
        let bad = String(decoding: json, as: UTF8.self).replacingOccurrences(of: p.keyIdHex, with: "abc")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CopyPayload.self, from: Data(bad.utf8)) }
    }

    @Test func qrTextIsNormalisedToNFCBeforeSigning() throws {
        let keys = try qrKeys()
        var decomposed = qrRealisticPayload
        decomposed.holderName = qrRealisticPayload.holderName.decomposedStringWithCanonicalMapping
        decomposed.issuingOffice = qrRealisticPayload.issuingOffice.decomposedStringWithCanonicalMapping
        #expect(Array(decomposed.holderName.utf8) != Array(qrRealisticPayload.holderName.utf8))
        let a = try QRPayloadCodec.decode(try QRPayloadCodec.encode(decomposed, signer: keys.office.key))
        let b = try QRPayloadCodec.decode(try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key))
        #expect(a.signedBytes == b.signedBytes)
        #expect(Array(a.payload.holderName.utf8) == Array(qrRealisticPayload.holderName.precomposedStringWithCanonicalMapping.utf8))
    }

    @Test func qrRoundTripThroughPNGAndZbar() throws {
        let keys = try qrKeys()
        let tmp = TempDirectory()
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        let png = try QRCode.png(for: text, scale: 4, border: 4)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        let read = try QRCode.decode(png: png)
        #expect(read == [text])
        #expect(
            QRPayloadCodec.verify(read[0], certificates: [keys.otherOffice.certificate, keys.office.certificate])
                == .valid(try qrExpected(qrRealisticPayload, signer: keys.office), office: keys.office.certificate))

        // The same file through zbar's own command line, and through the file entry point.
        let file = tmp.write("copy-qr.png", png)
        #expect(try QRCode.decode(imageFile: file) == [text])
        let cli = try runProgram("/usr/bin/zbarimg", ["--raw", "-q", "-Sdisable", "-Sqrcode.enable", file])
        #expect(cli.status == 0, "\(cli.err)")
        #expect(cli.out == text + "\n")
    }

    @Test func qrModulesMatchTheQrencodeCommandLine() throws {
        let keys = try qrKeys()
        let tmp = TempDirectory()
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        let ours = try QRCode.modules(for: text, level: .m).modules
        // qrencode's ASCII art: "##" per dark module, two spaces per light one, no margin.
        let art = try runProgram("/usr/bin/qrencode", ["-l", "M", "-m", "0", "-t", "ASCII", "-o", "-", text])
        #expect(art.status == 0, "\(art.err)")
        let theirs = art.out.split(separator: "\n", omittingEmptySubsequences: true).map { line -> [Bool] in
            let cells = Array(line.utf8)
            return stride(from: 0, to: cells.count, by: 2).map { cells[$0] == UInt8(ascii: "#") }
        }
        #expect(theirs == ours)

        // A PNG made by qrencode reads back with our decoder.
        let file = tmp.path + "/qrencode.png"
        let made = try runProgram("/usr/bin/qrencode", ["-l", "M", "-s", "3", "-o", file, text])
        #expect(made.status == 0, "\(made.err)")
        #expect(try QRCode.decode(imageFile: file) == [text])
    }

    @Test func qrVersion15LevelMHoldsExactlyMaxTextLength() throws {
        let fits = String(repeating: "HS1:", count: QRPayloadCodec.maxTextLength / 4)
        #expect(try QRCode.modules(for: fits, level: .m).version == 15)
        #expect(try QRCode.modules(for: fits + "A", level: .m).version == 16)
    }

    @Test func qrEditedPayloadFailsWithBadSignature() throws {
        let keys = try qrKeys()
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        let original = try QRPayloadCodec.decode(text)

        // One field changed, re-encoded, with the original signature.
        var edited = original.payload
        edited.serial = "A 0654322"
        let forged = try QRPayloadCodec.encode(edited, keyId: original.payload.keyId) { _ in original.signature }
        #expect(QRPayloadCodec.verify(forged, certificates: [keys.office.certificate]) == .badSignature(edited))

        edited = original.payload
        edited.holderName = "Nguyễn Thị Phương Thảo".replacingOccurrences(of: "Thảo", with: "Thào")
        let forged2 = try QRPayloadCodec.encode(edited, keyId: original.payload.keyId) { _ in original.signature }
        #expect(QRPayloadCodec.verify(forged2, certificates: [keys.office.certificate]) == .badSignature(edited))

        // Every single-character edit of the text that is still Base45 fails: bad signature, or malformed when the
        // compressed part no longer inflates to a valid body. None is valid.
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        var chars = Array(text)
        var badSignatures = 0
        var malformed = 0
        for i in QRPayloadCodec.prefix.count..<chars.count {
            let saved = chars[i]
            for c in alphabet where c != saved {
                chars[i] = c
                let candidate = String(chars)
                guard (try? Base45.decode(String(candidate.dropFirst(4)))) != nil else { continue }
                switch QRPayloadCodec.verify(candidate, certificates: [keys.office.certificate]) {
                case .valid: Issue.record("edit at \(i) (\(saved) → \(c)) verified as valid")
                case .badSignature: badSignatures += 1
                case .malformed: malformed += 1
                case .unknownOffice: break  // an edit in the key id
                }
                break
            }
            chars[i] = saved
        }
        #expect(badSignatures >= 90)  // about every character of the signature
        #expect(malformed > 0)
    }

    @Test func qrFromAnotherOfficeIsUnknownOffice() throws {
        let keys = try qrKeys()
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.otherOffice.key)
        let expected = try qrExpected(qrRealisticPayload, signer: keys.otherOffice)
        #expect(QRPayloadCodec.verify(text, certificates: [keys.office.certificate]) == .unknownOffice(expected))
        #expect(QRPayloadCodec.verify(text, certificates: []) == .unknownOffice(expected))
        // An RSA certificate in the list is never a candidate.
        #expect(
            QRPayloadCodec.verify(text, certificates: [keys.officeHeadRSA.certificate, keys.office.certificate])
                == .unknownOffice(expected))
        // With that office's certificate it is valid, and names the office.
        #expect(
            QRPayloadCodec.verify(text, certificates: [keys.office.certificate, keys.otherOffice.certificate])
                == .valid(expected, office: keys.otherOffice.certificate))
    }

    @Test func qrForgedKeyIdWithAnotherKeysSignatureIsBadSignature() throws {
        let keys = try qrKeys()
        let officeKeyId = try QRPayloadCodec.keyId(of: keys.office.certificate)
        let forged = try QRPayloadCodec.encode(qrRealisticPayload, keyId: officeKeyId) {
            try RawECDSA.sign($0, with: keys.otherOffice.key)
        }
        #expect(
            QRPayloadCodec.verify(forged, certificates: [keys.office.certificate])
                == .badSignature(try qrExpected(qrRealisticPayload, signer: keys.office)))
        // The public encoder refuses a payload that names another key.
        var p = qrRealisticPayload
        p.keyId = officeKeyId
        #expect(throws: qrErr(.keyCertMismatch)) { try QRPayloadCodec.encode(p, signer: keys.otherOffice.key) }
    }

    @Test(arguments: [
        QRGarbage("empty", ""), QRGarbage("plain text", "hello"), QRGarbage("prefix only", "HS1:"),
        QRGarbage("lower-case Base45", "HS1:abc"), QRGarbage("unknown version", "HS2:BB8"),
        QRGarbage("Base45 over 65535", "HS1:GGW"), QRGarbage("too short", "HS1:BB8"), QRGarbage("lower-case prefix", "hs1:BB8"),
        QRGarbage("random bytes", "HS1:" + Base45.encode((0..<120).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) })),
        QRGarbage("6000 characters", "HS1:" + String(repeating: "A", count: 6000)),
        QRGarbage("20000 UTF-8 bytes", String(repeating: "\u{1F600}", count: 5000)),
    ])
    func qrGarbageIsMalformed(_ g: QRGarbage) throws {
        let result = QRPayloadCodec.verify(g.text, certificates: [])
        #expect(qrIsMalformed(result), "\(result)")
        #expect(throws: qrErr(.qrPayloadMalformed)) { try QRPayloadCodec.decode(g.text) }
    }

    @Test func qrDamagedFramingIsMalformed() throws {
        let keys = try qrKeys()
        let cert = keys.office.certificate
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        let bytes = try Base45.decode(String(text.dropFirst(4)))
        func wrap(_ b: [UInt8]) -> String { "HS1:" + Base45.encode(b) }
        let keyId = Array(bytes[1...8])
        func signed(body: [UInt8]) throws -> String {
            let s = QRPayloadCodec.signedBytes(keyId: keyId, compressedBody: try QRDeflate.compress(body))
            return wrap(s + (try RawECDSA.sign(s, with: keys.office.key)))
        }
        let validBody = try QRPayloadCodec.bodyBytes(qrRealisticPayload.normalized())
        let nameEnd = 1 + Int(validBody[0])
        // Where ledgerYear starts: after four length-prefixed texts.
        var yearAt = 0
        for _ in 0..<4 { yearAt += 1 + Int(validBody[yearAt]) }
        #expect(Array(validBody[yearAt..<(yearAt + 2)]) == [0xE8, 0x0F])  // 2024 in LEB128
        let decomposedName = Array("Nguyễn".decomposedStringWithCanonicalMapping.utf8)
        var badDate = try QRPayloadCodec.bodyBytes(qrRealisticPayload.normalized())
        badDate.replaceSubrange((badDate.count - 5)..<(badDate.count - 3), with: Array("13".utf8))  // 2025-13-12

        let cases: [(String, String)] = [
            ("truncated", String(text.dropLast(3))),
            ("trailing bytes", wrap(bytes + [0, 0])),
            ("other format byte", wrap([2] + bytes.dropFirst())),
            ("one byte short", wrap(Array(bytes.dropLast()))),
            ("compressed part damaged", wrap(Array(bytes[0..<9]) + [0xFF, 0xFF, 0xFF] + bytes.suffix(64))),
            // Signed correctly, but the body breaks a rule: one encoding per payload, valid fields.
            ("empty body", try signed(body: [])),
            ("byte after the last field", try signed(body: validBody + [0])),
            ("body ends early", try signed(body: Array(validBody.dropLast(4)))),
            ("non-NFC name", try signed(body: [UInt8(decomposedName.count)] + decomposedName + validBody[nameEnd...])),
            ("invalid UTF-8", try signed(body: [UInt8]([2, 0xC3, 0x28]) + validBody[nameEnd...])),
            ("not minimal LEB128", try signed(body: Array(validBody[..<yearAt]) + [0xE8, 0x8F, 0x00] + validBody[(yearAt + 2)...])),
            ("bad date", try signed(body: badDate)),
        ]
        for (name, t) in cases {
            let r = QRPayloadCodec.verify(t, certificates: [cert])
            #expect(qrIsMalformed(r), "\(name): \(r)")
        }
        // Line breaks a terminal or a scanner adds at the end are ignored.
        #expect(
            QRPayloadCodec.verify(text + "\r\n", certificates: [cert])
                == .valid(try qrExpected(qrRealisticPayload, signer: keys.office), office: cert))
    }

    @Test func qrDecompressionBombIsMalformedQuickly() throws {
        let keys = try qrKeys()
        let zeros = [UInt8](repeating: 0, count: 2 << 20)
        let compressed = try QRDeflate.compress(zeros)
        let signed = QRPayloadCodec.signedBytes(keyId: try QRPayloadCodec.keyId(of: keys.office.key), compressedBody: compressed)
        let bomb = "HS1:" + Base45.encode(signed + (try RawECDSA.sign(signed, with: keys.office.key)))
        #expect(bomb.count <= QRPayloadCodec.maxDecodeTextLength, "the bomb must get past the length check")
        let clock = ContinuousClock()
        var result = QRCheck.malformed("")
        let took = clock.measure { result = QRPayloadCodec.verify(bomb, certificates: [keys.office.certificate]) }
        guard case .malformed(let why) = result else {
            Issue.record("not malformed: \(result)")
            return
        }
        #expect(why.contains("more than 2048 bytes"), "\(why)")
        #expect(took < .milliseconds(200))
    }

    @Test func qrRefusesKeysThatAreNotP256() throws {
        let keys = try qrKeys()
        #expect(throws: qrErr(.keyAlgorithmUnsupported)) {
            try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.officeHeadRSA.key)
        }
        #expect(throws: qrErr(.keyAlgorithmUnsupported)) {
            try QRPayloadCodec.encode(qrRealisticPayload, signer: try PrivateKey.generate(.ecP384))
        }
        #expect(throws: qrErr(.keyAlgorithmUnsupported)) { try RawECDSA.sign([1, 2, 3], with: keys.officeHeadRSA.key) }
        let err = try #require(throws: HosoError.self) {
            try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.officeHeadRSA.key)
        }
        #expect(err.message.en.contains("ECDSA P-256"))
        #expect(err.message.en.contains("RSA 2048"))
    }

    @Test func qrRawECDSAMatchesOpenSSL() throws {
        let keys = try qrKeys()
        let tmp = TempDirectory()
        let message = Array("Bản sao từ sổ gốc".utf8)
        let sig = try RawECDSA.sign(message, with: keys.office.key)
        #expect(sig.count == 64)
        #expect(RawECDSA.verify(sig, of: message, certificate: keys.office.certificate))
        #expect(!RawECDSA.verify(sig, of: message + [0], certificate: keys.office.certificate))
        #expect(!RawECDSA.verify(sig, of: message, certificate: keys.otherOffice.certificate))
        #expect(!RawECDSA.verify(sig, of: message, certificate: keys.officeHeadRSA.certificate))
        #expect(!RawECDSA.verify(Array(sig.dropLast()), of: message, certificate: keys.office.certificate))
        #expect(!RawECDSA.verify([UInt8](repeating: 0, count: 64), of: message, certificate: keys.office.certificate))

        // `openssl dgst -verify` takes the DER form of the same r‖s.
        tmp.write("sig.der", RawECDSA.derSignature(sig)!)
        tmp.write("msg", message)
        tmp.write("cert.pem", keys.office.certificate.pem)
        let pub = try runProgram(
            "/usr/bin/openssl", ["x509", "-in", tmp.path + "/cert.pem", "-pubkey", "-noout", "-out", tmp.path + "/pub.pem"])
        #expect(pub.status == 0, "\(pub.err)")
        let check = try runProgram(
            "/usr/bin/openssl",
            [
                "dgst", "-sha256", "-verify", tmp.path + "/pub.pem", "-signature",
                tmp.path + "/sig.der", tmp.path + "/msg",
            ])
        #expect(check.status == 0 && check.out.contains("Verified OK"), "\(check.out) \(check.err)")

        // The key id is over the certificate's SubjectPublicKeyInfo, as `openssl x509 -pubkey` writes it.
        let spki = try keys.office.certificate.subjectPublicKeyInfo()
        let pem = try String(contentsOfFile: tmp.path + "/pub.pem", encoding: .utf8)
        let b64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        #expect(Data(base64Encoded: b64).map { [UInt8]($0) } == spki)
        #expect(try keys.office.key.subjectPublicKeyInfo() == spki)
        #expect(try QRPayloadCodec.keyId(of: keys.office.certificate) == Array(SHA256.hash(spki).prefix(8)))
    }

    @Test func qrRefusesInvalidFields() throws {
        let keys = try qrKeys()
        func refused(_ code: HosoError.Code, _ edit: (inout CopyPayload) -> Void) {
            var p = qrRealisticPayload
            edit(&p)
            #expect(throws: HosoError(code, .both("", ""))) { try QRPayloadCodec.encode(p, signer: keys.office.key) }
        }
        refused(.qrPayloadInvalid) { $0.holderName = "" }
        refused(.qrPayloadInvalid) { $0.holderName = "Nguyễn\u{0007}Thảo" }
        refused(.qrPayloadInvalid) { $0.dateOfBirth = "2009-02-29" }
        refused(.qrPayloadInvalid) { $0.dateOfBirth = "15/03/2009" }
        refused(.qrPayloadInvalid) { $0.issueDate = "2025-09" }
        refused(.qrPayloadInvalid) { $0.ledgerYear = 24 }
        refused(.qrPayloadInvalid) { $0.copyNumber = 0 }
        refused(.qrPayloadInvalid) { $0.issuingOffice = String(repeating: "ễ", count: 100) }  // 300 UTF-8 bytes
        // Reduced-precision dates of birth, as old ledgers have them, are fine.
        for dob in ["2009", "2009-03", "2008-02-29"] {
            var p = qrRealisticPayload
            p.dateOfBirth = dob
            #expect(try QRPayloadCodec.decode(try QRPayloadCodec.encode(p, signer: keys.office.key)).payload.dateOfBirth == dob)
        }
        // Fields that do not compress push the text past version 15.
        var g = SystemRandomNumberGenerator()
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        func noise(_ n: Int) -> String { String((0..<n).map { _ in letters.randomElement(using: &g)! }) }
        refused(.qrPayloadTooLarge) {
            $0.holderName = noise(200)
            $0.issuingOffice = noise(250)
        }
    }

    @Test func qrDegradedScanStillDecodes() throws {
        let keys = try qrKeys()
        let tmp = TempDirectory()
        let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        tmp.write("clean.png", try QRCode.png(for: text, scale: 4, border: 4))
        // Like a phone photo of a printout: rotated, shrunk, blurred, grey and noisy, low contrast; saved as PNG with
        // an alpha channel (transparent corners) and as a binary PGM.
        let script = """
            import random, sys
            from PIL import Image, ImageFilter
            d = sys.argv[1]
            im = Image.open(d + "/clean.png").convert("L")
            im = im.rotate(7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
            im = im.resize((int(im.width * 0.8), int(im.height * 0.8)), Image.Resampling.BILINEAR)
            im = im.filter(ImageFilter.GaussianBlur(0.8))
            rnd = random.Random(2025)
            im = im.point(lambda v: 45 + v * 160 // 255)
            px = im.load()
            for y in range(im.height):
                for x in range(im.width):
                    px[x, y] = max(0, min(255, px[x, y] + rnd.randint(-30, 30)))
            im.save(d + "/degraded.pgm")
            rgba = im.convert("RGBA")
            a = rgba.load()
            for y in range(12):
                for x in range(12):
                    a[x, y] = (0, 0, 0, 0)
            rgba.save(d + "/degraded.png")
            """
        tmp.write("degrade.py", script)
        let py = try runProgram("/usr/bin/python3", [tmp.path + "/degrade.py", tmp.path])
        try #require(py.status == 0, "\(py.err)")
        for file in ["degraded.png", "degraded.pgm"] {
            let read = try QRCode.decode(imageFile: tmp.path + "/" + file)
            #expect(read == [text], "\(file)")
            if let first = read.first {
                #expect(
                    QRPayloadCodec.verify(first, certificates: [keys.office.certificate])
                        == .valid(try qrExpected(qrRealisticPayload, signer: keys.office), office: keys.office.certificate))
            }
        }
    }

    @Test func qrImageInputsAreBoundedAndChecked() throws {
        let tmp = TempDirectory()
        // No QR code: nothing found, no error.
        let blank = "P5\n# a comment\n40 30\n255\n"
        tmp.write("blank.pgm", Array(blank.utf8) + [UInt8](repeating: 255, count: 40 * 30))
        #expect(try QRCode.decode(imageFile: tmp.path + "/blank.pgm") == [])
        // Plain PPM of a real code.
        let matrix = try QRCode.modules(for: "HS1:TEST", level: .m).modules
        let n = matrix.count
        let s = 3
        let side = (n + 8) * s
        var ppm = "P3\n\(side) \(side)\n1\n"
        for y in 0..<side {
            for x in 0..<side {
                let my = y / s - 4
                let mx = x / s - 4
                let dark = my >= 0 && my < n && mx >= 0 && mx < n && matrix[my][mx]
                ppm += dark ? "0 0 0 " : "1 1 1 "
            }
            ppm += "\n"
        }
        #expect(try QRCode.decode(pnm: Array(ppm.utf8)) == ["HS1:TEST"])
        // A damaged JPEG (a header and nothing else) is a clear error naming the file.
        tmp.write("photo.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Array("JFIF".utf8) + [0, 1, 1, 0])
        let jpeg = try #require(throws: HosoError.self) { try QRCode.decode(imageFile: tmp.path + "/photo.jpg") }
        #expect(jpeg.code == .qrImageUnreadable)
        #expect(jpeg.location == tmp.path + "/photo.jpg")
        // A PNG that claims 100000 × 100000 pixels is refused before anything is allocated.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += [0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: qrErr(.qrImageTooLarge)) { try QRCode.decode(png: png) }
        // Damaged files are unreadable, not crashes.
        let good = try QRCode.png(for: "HS1:TEST")
        #expect(throws: qrErr(.qrImageUnreadable)) { try QRCode.decode(png: Array(good.prefix(good.count / 2))) }
        #expect(throws: qrErr(.qrImageUnreadable)) { try QRCode.decode(pnm: Array("P5\n10 10\n255\n".utf8) + [1, 2, 3]) }
        #expect(throws: qrErr(.qrImageUnreadable)) { try QRCode.decode(pnm: Array("P6\n10 x\n255\n".utf8)) }
        #expect(throws: qrErr(.qrImageTooLarge)) { try QRCode.decode(pnm: Array("P5\n100000 100000\n255\n".utf8)) }
        #expect(throws: HosoError.self) { try QRCode.decode(imageFile: tmp.path + "/missing.png") }
        #expect(throws: qrErr(.qrEncodeFailed)) { try QRCode.modules(for: String(repeating: "A", count: 5000)) }
        #expect(throws: qrErr(.qrEncodeFailed)) { try QRCode.png(for: "HS1:TEST", scale: 0) }
    }

    /// ECDSA accepts (r, s) and (r, n − s) alike: the high-S twin of a valid text is refused, so one payload has one
    /// valid text; and the encoder only ever writes the low form.
    @Test func qrHighSTwinOfAValidSignatureIsRefused() throws {
        let keys = try qrKeys()
        // The order of P-256 and ⌊n/2⌋, big-endian (FIPS 186-4, D.1.2.3), independent of the code under test.
        let order = Array(Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!)
        let half = Array(Hex.decode("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8")!)
        func isLow(_ sig: [UInt8]) -> Bool { Array(sig[32...]) == half || Array(sig[32...]).lexicographicallyPrecedes(half) }
        for _ in 0..<8 {
            let text = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
            let d = try QRPayloadCodec.decode(text)
            #expect(isLow(d.signature), "the encoder writes low-S only")
            // n − s, by big-endian subtraction.
            let s = Array(d.signature[32...])
            var twin = [UInt8](repeating: 0, count: 32)
            var borrow = 0
            for i in stride(from: 31, through: 0, by: -1) {
                var v = Int(order[i]) - Int(s[i]) - borrow
                borrow = v < 0 ? 1 : 0
                if v < 0 { v += 256 }
                twin[i] = UInt8(v)
            }
            let high = Array(d.signature[..<32]) + twin
            #expect(!isLow(high))
            // The twin is a mathematically valid signature: OpenSSL accepts it.
            #expect(RawECDSA.verify(high, of: d.signedBytes, certificate: keys.office.certificate))
            let twinText = QRPayloadCodec.prefix + Base45.encode(d.signedBytes + high)
            #expect(QRPayloadCodec.verify(twinText, certificates: [keys.office.certificate]) == .badSignature(d.payload))
            #expect(QRPayloadCodec.verify(text, certificates: [keys.office.certificate]) != .badSignature(d.payload))
        }
        // Raw signatures from OpenSSL are high-S about half the time, so the encoder's normalising is exercised.
        var raws = 0
        for _ in 0..<32 where !isLow(try RawECDSA.sign([1, 2, 3], with: keys.office.key)) { raws += 1 }
        #expect(raws > 0, "OpenSSL produced no high-S signature in 32 tries")
    }

    /// Two different copy QR codes in one image: refused as ambiguous; the same code twice, or other QR codes beside
    /// one copy code, are not.
    @Test func qrImageWithTwoCopyCodesIsAmbiguous() throws {
        let keys = try qrKeys()
        let tmp = TempDirectory()
        var other = qrRealisticPayload
        other.holderName = "Trần Văn Giả"
        let a = try QRPayloadCodec.encode(qrRealisticPayload, signer: keys.office.key)
        let b = try QRPayloadCodec.encode(other, signer: keys.office.key)
        let fa = tmp.write("a.png", try QRCode.png(for: a))
        let fb = tmp.write("b.png", try QRCode.png(for: b))
        let both = tmp.path + "/both.png"
        let r = try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                """
                import sys
                from PIL import Image
                a, b = Image.open(sys.argv[1]), Image.open(sys.argv[2])
                out = Image.new('L', (a.width + b.width + 40, max(a.height, b.height)), 255)
                out.paste(a, (0, 0)); out.paste(b, (a.width + 40, 0)); out.save(sys.argv[3])
                """, fa, fb, both,
            ])
        try #require(r.status == 0, "\(r)")
        let texts = try QRCode.decode(imageFile: both)
        #expect(Set(texts) == [a, b])
        #expect(throws: qrErr(.qrAmbiguous)) { _ = try QRPayloadCodec.onlyPayload(in: texts, source: both) }
        #expect(try QRPayloadCodec.onlyPayload(in: [a, a, "https://example.org"]) == a)
        #expect(try QRPayloadCodec.onlyPayload(in: ["https://example.org"]) == nil)
    }

}
