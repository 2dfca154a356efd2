import Foundation
import HosoCore

/// Signs a note's text (the node key, through whichever algorithm it has).
public protocol NoteSigner {
    /// The key name on the signature line (a schema-less URL, as C2SP recommends).
    var keyName: String { get }
    /// The 4-byte key ID that starts the signature's base64 (C2SP signed-note).
    var keyID: [UInt8] { get }
    func sign(_ text: [UInt8]) throws -> [UInt8]
}

/// Checks a signature by one known key.
public protocol NoteVerifier {
    var keyName: String { get }
    var keyID: [UInt8] { get }
    func verify(_ text: [UInt8], signature: [UInt8]) -> Bool
}

/// A checkpoint in the C2SP tlog-checkpoint format: origin line, tree size in decimal, root hash in base64, then any
/// extension lines; signed as a C2SP signed note (text, blank line, "— name base64(keyID ‖ signature)" lines).
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: LogHash
    /// Lines after the root hash. hoso writes "time <UTC>" and "prev <size> <base64 SHA-256 of the previous signed
    /// checkpoint>", which chains checkpoints so one removed from the middle is seen.
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: LogHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note text: what is signed.
    public var text: [UInt8] {
        Array(([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined().utf8)
    }

    /// The signed note.
    public func signed(by signer: NoteSigner) throws -> [UInt8] {
        let sig = try signer.sign(text)
        let line = "— \(signer.keyName) " + Data(signer.keyID + sig).base64EncodedString() + "\n"
        return text + [0x0A] + Array(line.utf8)
    }

    /// The value of extension line "`key` value", if present.
    public func extensionValue(_ key: String) -> String? {
        extensions.first { $0.hasPrefix(key + " ") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// Notes above this are refused unread (C2SP lets verifiers bound a note's size).
    public static let maxNoteSize = 16 << 10

    /// Parses a signed note and checks it against `verifier`: exactly the C2SP rules (UTF-8, no control characters but
    /// newline, a blank line before the signatures, at most 16 signatures), a signature by the known key name and ID
    /// that verifies, and a well-formed checkpoint body. `verifier` nil: the signature is not checked (show only).
    public static func parse(_ note: [UInt8], verifier: NoteVerifier?, location: String) throws -> Checkpoint {
        func bad(_ vi: String, _ en: String) -> HosoError { HosoError(.logCheckpointInvalid, .both(vi, en), location: location) }
        guard note.count <= maxNoteSize, let s = String(validating: note, as: UTF8.self),
            !s.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }), s.hasSuffix("\n")
        else { throw bad("Điểm kiểm không phải văn bản hợp lệ", "The checkpoint is not valid note text") }
        guard let sep = s.range(of: "\n\n", options: .backwards) else {
            throw bad("Điểm kiểm không có chữ ký", "The checkpoint has no signature")
        }
        let text = String(s[..<sep.lowerBound]) + "\n"
        let sigLines = s[sep.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard !sigLines.isEmpty, sigLines.count <= 16 else { throw bad("Số chữ ký không hợp lệ", "A wrong number of signatures") }
        var verified = verifier == nil
        for line in sigLines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "—", !parts[1].isEmpty, let raw = Data(base64Encoded: String(parts[2])), raw.count > 4
            else { throw bad("Dòng chữ ký sai dạng", "A malformed signature line") }
            guard let v = verifier, parts[1] == v.keyName, Array(raw.prefix(4)) == v.keyID else { continue }
            // A signature by the known key must verify, or the whole note is refused.
            guard v.verify(Array(text.utf8), signature: Array(raw.dropFirst(4))) else {
                throw bad("Chữ ký của điểm kiểm không đúng", "The checkpoint's signature does not verify")
            }
            verified = true
        }
        guard verified else { throw bad("Điểm kiểm không được ký bằng khóa của nút", "The checkpoint is not signed by the node key") }
        return try body(text, bad: bad)
    }

    private static func body(_ text: String, bad: (String, String) -> HosoError) throws -> Checkpoint {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3, !lines[0].isEmpty, lines.dropFirst(3).allSatisfy({ !$0.isEmpty }),
            lines[1].allSatisfy({ $0.isASCII && $0.isNumber }), lines[1].count <= 20,
            lines[1] == "0" || !lines[1].hasPrefix("0"), let size = UInt64(lines[1]),
            let rootBytes = Data(base64Encoded: String(lines[2])), let root = LogHash(rootBytes),
            root.base64 == lines[2]
        else { throw bad("Nội dung điểm kiểm sai dạng", "The checkpoint body is malformed") }
        return Checkpoint(origin: String(lines[0]), size: size, root: root, extensions: lines.dropFirst(3).map(String.init))
    }
}
