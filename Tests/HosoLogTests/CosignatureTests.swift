import Foundation
import HosoCore
import HosoLog
import HosoTestSupport
import Testing

/// Cosignatures (C2SP tlog-cosignature style) on a checkpoint: added as one more signature line, found and checked
/// by the witness's key, a forged one refused, another key's ignored, the node's own signature untouched.
@Suite struct CosignatureTests {
    @Test func aCosignatureIsFoundCheckedAndAForgedOneRefused() throws {
        let node = TestKey()
        let witness = TestKey(secret: Array("office".utf8), keyName: "hoso.node/phong")
        let cp = Checkpoint(origin: node.keyName, size: 5, root: LogHash.emptyTree, extensions: ["time 2025-03-10T08:00:00Z"])
        let note = try cp.signed(by: node)
        #expect(try Cosignature.time(in: note, witness: witness, location: "t") == nil)
        let cosigned = try Cosignature.add(to: note, body: cp.text, signer: witness, time: 1_741_593_600)
        #expect(Cosignature.keyID(of: witness) != witness.keyID)
        // The node's signature still verifies, and the cosignature gives its time back.
        #expect(try Checkpoint.parse(cosigned, verifier: node, location: "t") == cp)
        #expect(try Cosignature.time(in: cosigned, witness: witness, location: "t") == 1_741_593_600)
        // Another witness of the same name but another secret finds no cosignature of its own key ID.
        #expect(try Cosignature.time(in: cosigned, witness: TestKey(secret: [1], keyName: "hoso.node/phong"), location: "t") == nil)
        // A changed time (or signature byte) in the cosignature line is refused, not skipped.
        var text = String(decoding: cosigned, as: UTF8.self)
        let line = String(text.split(separator: "\n").last!)
        let parts = line.split(separator: " ")
        var raw = Array(Data(base64Encoded: String(parts[2]))!)
        raw[11] ^= 1
        text = text.replacingOccurrences(of: line, with: "\(parts[0]) \(parts[1]) " + Data(raw).base64EncodedString())
        #expect(logCode { _ = try Cosignature.time(in: Array(text.utf8), witness: witness, location: "t") } == .logCheckpointInvalid)
        // The cosignature covers the body: the same line on another checkpoint does not verify.
        let other = try Checkpoint(origin: node.keyName, size: 6, root: LogHash.emptyTree).signed(by: node)
        let moved = other + Array((line + "\n").utf8)
        #expect(logCode { _ = try Cosignature.time(in: moved, witness: witness, location: "t") } == .logCheckpointInvalid)
    }
}
