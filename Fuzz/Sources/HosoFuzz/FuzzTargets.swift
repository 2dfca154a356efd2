import Foundation
import HosoCopies
import HosoCore
import HosoLog
import HosoRecords
import HosoSigning
import HosoSync

// The readers of outside bytes as the fuzzers drive them. This one file is compiled twice: into the libFuzzer
// harness (Fuzz/, `make fuzz`) and, through a symbolic link, into the tests, which replay every file kept under
// Fuzz/regressions/<harness>/ through the same calls (`make test`). A harness may throw nothing and must return.

enum FuzzTargets {
    /// Harness names: the directories of Fuzz/seeds and Fuzz/regressions.
    static let names = ["pdf", "xlsx", "csv", "json", "qr", "bagit", "inflate", "cms", "frames", "checkpoint", "log", "witness", "evidence", "ocsp",
    ]

    static func run(_ name: String, _ bytes: [UInt8]) {
        switch name {
        case "pdf": pdf(bytes)
        case "xlsx": xlsx(bytes)
        case "csv": csv(bytes)
        case "json": json(bytes)
        case "qr": qr(bytes)
        case "bagit": bagit(bytes)
        case "inflate": inflate(bytes)
        case "cms": cms(bytes)
        case "frames": frames(bytes)
        case "checkpoint": checkpoint(bytes)
        case "log": log(bytes)
        case "witness": witness(bytes)
        case "evidence": evidence(bytes)
        case "ocsp": ocsp(bytes)
        default: fatalError("no fuzz harness \(name)")
        }
    }

    /// The PDF reader: signature fields, byte ranges, embedded files (FlateDecode).
    static func pdf(_ bytes: [UInt8]) {
        if let infos = try? PDFParse.inspect(bytes) {
            for i in infos { _ = i.signedBytes.count }
        }
        _ = try? PDFParse.revisions(bytes)
        _ = try? PDFParse.revisionEnds(bytes)
        _ = try? PDFParse.updatesAfterSignatures(bytes)
        _ = PDFParse.firstAttachment(in: bytes)
    }

    /// ZIP + XML: the workbook, relationships, shared strings and the sheet (hoso's own ZIP reader, ZIPParts).
    /// Through a file, as imports read them.
    static func xlsx(_ bytes: [UInt8]) {
        let path = scratchFile
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
        _ = try? XLSXReader.read(path: path)
    }

    /// One file per process, in memory when /dev/shm is there.
    static let scratchFile: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return dir + "/hoso-fuzz-\(getpid()).xlsx"
    }()

    /// CSV with its encoding checks, then the legacy-encoding detection the importer runs on its cells.
    static func csv(_ bytes: [UInt8]) {
        guard let t = try? CSVReader.read(bytes: bytes, source: "fuzz.csv") else { return }
        _ = LegacyText.detect(t.header + t.rows.prefix(50).flatMap(\.cells))
        for cell in t.header { _ = VietnameseText.firstInvisible(in: cell) }
    }

    /// Canonical JSON: parse, serialize, canonicalize, and the schema validator on what parsed.
    static func json(_ bytes: [UInt8]) {
        _ = try? CanonicalJSON.canonicalize(bytes)
        guard let v = try? CanonicalJSON.parse(bytes) else { return }
        _ = try? CanonicalJSON.serialize(v)
        for type in ["ledger-entry", "grade-book"] {
            if let validator = try? SchemaValidator.forRecordType(type) { _ = validator.validate(v, source: "fuzz") }
        }
    }

    /// The QR payload decoder (Base45, its framing, the inflated body, the payload's fields).
    static func qr(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? QRPayloadCodec.decode(text)
        _ = try? QRPayloadCodec.decode(QRPayloadCodec.prefix + text)
    }

    /// A sync bundle: gzip, tar, the BagIt tag files, then every member of the tar by itself.
    static func bagit(_ bytes: [UInt8]) {
        let reader = BundleReader(source: MemorySource(bytes))
        _ = try? reader.readTags()
        let tar = TarReader(source: BoundedInflatingSource(MemorySource(bytes), limit: 4 << 20), maxMemberSize: 1 << 20)
        var members = 0
        while members < 1000, let entry = try? tar.next() {
            members += 1
            _ = try? TarReader.checkPath(entry.path)
            guard (try? tar.skipBody()) != nil else { break }
        }
    }

    /// gzip or zlib inflation, bounded.
    static func inflate(_ bytes: [UInt8]) {
        let source = BoundedInflatingSource(MemorySource(bytes), limit: 1 << 20)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while let n = try? source.read(into: buffer), n > 0 {
            total += n
            if total > 2 << 20 { fatalError("inflated past its limit: \(total) bytes") }
        }
    }

    /// CMS signatures and RFC 3161 tokens as the verifier meets them: hoso's own DER walk that splits out certificates
    /// and CRLs, then OpenSSL's parsers behind the wrappers, then every verification step (no trusted root, so nothing
    /// may pass), and the certificate and CRL loaders (DER or PEM).
    static func cms(_ bytes: [UInt8]) {
        let verifier = SignatureVerifier(trust: TrustContext(roots: []), clock: .fixed(Date(timeIntervalSince1970: 1_750_000_000)))
        if let reports = try? verifier.verify(signature: bytes, content: Array("nội dung".utf8)) {
            if reports.contains(where: { $0.indication == .passed }) { fatalError("a signature with no trusted root passed") }
        }
        if let sd = try? SignedData(der: bytes) {
            for s in sd.signers {
                _ = (s.signingTime, s.role, s.signatureValue.count, s.certificate?.subject)
            }
        }
        _ = try? TimeStampToken(der: bytes)
        _ = try? Certificate.load(bytes)
        _ = try? CRL.load(bytes)
    }

    /// The sync protocol's object frames ("kind id size\n" + bytes), as `POST /sync/objects` bodies arrive.
    static func frames(_ bytes: [UInt8]) {
        var total = 0
        try? SyncFrames.read(bytes) { _, _, content in
            total += content.count
            if total > bytes.count { fatalError("frames hand out more bytes than the body has") }
        }
    }

    /// Signed checkpoints (C2SP signed notes), with no key and with a key that matches nothing.
    static func checkpoint(_ bytes: [UInt8]) {
        _ = try? Checkpoint.parse(bytes, verifier: nil, location: "fuzz")
        _ = try? Checkpoint.parse(bytes, verifier: RefusingVerifier(), location: "fuzz")
    }

    struct RefusingVerifier: NoteVerifier {
        var keyName: String { "hoso.example/fuzz" }
        var keyID: [UInt8] { [1, 2, 3, 4] }
        func verify(_ text: [UInt8], signature: [UInt8]) -> Bool { false }
    }

    /// The log's files as a damaged or hostile archive may hold them. The input is cut in four at 0xFF 0xFE 0xFD
    /// markers: head, entries.idx, entries, tree; the whole-log check and proofs then read them.
    static func log(_ bytes: [UInt8]) {
        var parts = [[UInt8]]()
        var current = [UInt8]()
        var i = 0
        while i < bytes.count {
            if parts.count < 3, i + 2 < bytes.count, bytes[i] == 0xFF, bytes[i + 1] == 0xFE, bytes[i + 2] == 0xFD {
                parts.append(current)
                current = []
                i += 3
            } else {
                current.append(bytes[i])
                i += 1
            }
        }
        parts.append(current)
        while parts.count < 4 { parts.append([]) }
        let dir = scratchDir
        for (name, content) in zip(["head", "entries.idx", "entries", "tree"], parts) {
            guard FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(content)) else {
                fatalError("cannot write \(dir)/\(name)")
            }
        }
        let store = LogStore(dir: dir)
        _ = try? store.verifyAll(verifier: nil)
        guard let reader = try? store.reader(), reader.size > 0 else { return }
        let size = reader.size
        _ = try? reader.root()
        _ = try? reader.entry(size - 1)
        _ = try? reader.inclusionProof(index: size / 2, size: size)
        _ = try? reader.consistencyProof(old: max(1, size / 3), new: size)
    }

    /// One log directory per process, in memory when /dev/shm is there.
    static let scratchDir: String = {
        let dir = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()) + "/hoso-fuzz-log-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir + "/checkpoints", withIntermediateDirectories: true)
        return dir
    }()

    /// A peer's witnessing message (HTTP `witness` body, a bundle header's `witness`): decoded, its proofs checked for
    /// shape, and its checkpoint judged against a held one by a key that accepts any signature, so the judge's size,
    /// root and proof logic is reached.
    static func witness(_ bytes: [UInt8]) {
        guard bytes.count <= 1 << 20, let m = try? JSONDecoder().decode(WitnessMessage.self, from: Data(bytes)) else { return }
        guard let proofs = WitnessJudge.proofs(m), let note = m.checkpoint else { return }
        let held = m.cosigned.map { Array($0.utf8) }
        _ = try? WitnessJudge.judge(Array(note.utf8), proofs: proofs, complete: m.complete ?? false, held: held, verifier: AnyKey())
        _ = try? Cosignature.time(in: Array(note.utf8), witness: AnyKey(), location: "fuzz")
        _ = Cosignature.body(of: Array(note.utf8))
    }

    struct AnyKey: NoteVerifier {
        var keyName: String { "hoso.example/fuzz" }
        var keyID: [UInt8] { [1, 2, 3, 4] }
        func verify(_ text: [UInt8], signature: [UInt8]) -> Bool { true }
    }

    /// An evidence record (RFC 4998's structure in JSON) checked with no trusted time-stamp authority: nothing may pass.
    static func evidence(_ bytes: [UInt8]) {
        guard let er = try? EvidenceRecord.decode(bytes, source: "fuzz") else { return }
        let verifier = SignatureVerifier(trust: TrustContext(roots: []), clock: .fixed(Date(timeIntervalSince1970: 2_000_000_000)))
        let check = verifier.checkEvidence(er, for: [UInt8](repeating: 7, count: 32))
        if check.indication == .passed { fatalError("an evidence record with no trusted authority passed") }
        _ = er.sequenceHash(before: er.archiveTimeStampSequence.count)
    }

    /// An OCSP response as a responder (or an attacker in its place) sends it.
    static func ocsp(_ bytes: [UInt8]) {
        guard let r = try? OCSPResponse(der: bytes, source: "fuzz") else { return }
        _ = (r.producedAt, r.certificates.count)
        if let c = r.certificates.first { _ = r.single(for: c, issuer: c) }
    }
}
