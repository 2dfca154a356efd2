import Foundation
import HosoSigning
import Testing

/// scrypt password hashes for the web application's accounts.
@Suite struct PasswordHashTests {
    @Test func standardCostHashesCheckAndDiffer() throws {
        let h = try PasswordHash.make("mật khẩu dài đủ")
        #expect(h.hasPrefix("scrypt$32768$8$1$"))
        #expect(PasswordHash.check("mật khẩu dài đủ", against: h))
        #expect(!PasswordHash.check("mật khẩu dài đu", against: h))
        // A new salt each time: the same password never gives the same stored value.
        #expect(try PasswordHash.make("mật khẩu dài đủ") != h)
    }

    @Test func knownAnswerFromRFC7914() throws {
        // RFC 7914 §12, second vector (N=1024, r=8, p=16, 64 bytes), re-encoded in our format.
        let salt = Data("NaCl".utf8).base64EncodedString()
        let expected =
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        var bytes = [UInt8]()
        var i = expected.startIndex
        while i < expected.endIndex {
            let j = expected.index(i, offsetBy: 2)
            bytes.append(UInt8(expected[i..<j], radix: 16)!)
            i = j
        }
        let stored = "scrypt$1024$8$16$\(salt)$\(Data(bytes).base64EncodedString())"
        #expect(PasswordHash.check("password", against: stored))
        #expect(!PasswordHash.check("Password", against: stored))
    }

    @Test(arguments: [
        "", "scrypt$1$8$1$AAAA$AAAA", "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "bcrypt$x", "scrypt$2097152$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ])
    func malformedOrTooCostlyStoredValuesNeverMatch(stored: String) {
        #expect(!PasswordHash.check("", against: stored))
    }

    @Test func constantTimeCompare() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2], [1, 2, 3]))
        #expect(constantTimeEqual([], []))
    }
}
