import Foundation
import HosoCore
import HosoPrimitives

/// A witness's cosignature on another node's checkpoint, in the manner of C2SP tlog-cosignature: one more signature
/// line on the same signed note, by the witness's key name, whose base64 holds keyID ‖ timestamp (8 bytes, big-endian
/// seconds since 1970) ‖ signature over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body. The
/// prefix keeps a cosignature from ever being taken for the witness's own checkpoint signature, and the timestamp says
/// when the witness saw this tree.
public enum Cosignature {
    static let header = "cosignature/v1"

    /// The key ID of `key` as a cosigner: distinct from its key ID as a checkpoint signer (C2SP gives cosignatures
    /// their own signature type, so the IDs differ), hashed from the key name and the signer key ID.
    public static func keyID(of key: NoteVerifier) -> [UInt8] { keyID(name: key.keyName, signerID: key.keyID) }

    static func keyID(name: String, signerID: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(Array(name.utf8) + [0x0A, 0xFF] + Array("hoso-cosignature/v1".utf8) + signerID).prefix(4))
    }

    /// The bytes a cosigner signs for `body` (the checkpoint's text) at `time`.
    public static func message(body: [UInt8], time: UInt64) -> [UInt8] {
        Array("\(header)\ntime \(time)\n".utf8) + body
    }

    /// `note` (a checkpoint verified by the caller) with a cosignature line by `signer` at `time` appended.
    public static func add(to note: [UInt8], body: [UInt8], signer: NoteSigner & NoteVerifier, time: UInt64) throws -> [UInt8] {
        let sig = try signer.sign(message(body: body, time: time))
        var ts = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { ts[i] = UInt8((time >> (56 - 8 * UInt64(i))) & 0xFF) }
        let line = "— \(signer.keyName) " + Data(keyID(of: signer) + ts + sig).base64EncodedString() + "\n"
        return note + Array(line.utf8)
    }

    /// The time of `witness`'s cosignature on `note` when one is there and verifies over the note's body; nil when the
    /// witness did not cosign it. A line by the witness's name and cosigner key ID that does not verify is an error:
    /// a forged cosignature is refused, not skipped.
    public static func time(in note: [UInt8], witness: NoteVerifier, location: String) throws -> UInt64? {
        func bad(_ vi: String, _ en: String) -> HosoError { HosoError(.logCheckpointInvalid, .both(vi, en), location: location) }
        // The note is parsed as a checkpoint first (bounds, shape); its signer is checked by the caller.
        _ = try Checkpoint.parse(note, verifier: nil, location: location)
        guard let body = body(of: note) else { return nil }
        let id = keyID(of: witness)
        for line in String(decoding: note[(body.count + 1)...], as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1] == witness.keyName, let raw = Data(base64Encoded: String(parts[2])).map(Array.init),
                raw.count > 12, Array(raw.prefix(4)) == id
            else { continue }
            let time = raw[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard witness.verify(message(body: body, time: time), signature: Array(raw.dropFirst(12))) else {
                throw bad("Chữ ký xác nhận (cosignature) không đúng", "The cosignature does not verify")
            }
            return time
        }
        return nil
    }

    /// The checkpoint body of a note: the text that every signature line covers.
    public static func body(of note: [UInt8]) -> [UInt8]? {
        let s = String(decoding: note, as: UTF8.self)
        guard let sep = s.range(of: "\n\n", options: .backwards) else { return nil }
        return Array((String(s[..<sep.lowerBound]) + "\n").utf8)
    }
}
