import Foundation
import HosoCopies
import HosoCore
import HosoRecords
import HosoSync

// The readers of outside bytes as the fuzzers drive them. This one file is compiled twice: into the libFuzzer
// harness (Fuzz/, `make fuzz`) and, through a symbolic link, into the tests, which replay every file kept under
// Fuzz/regressions/<harness>/ through the same calls (`make test`). A harness may throw nothing and must return.

enum FuzzTargets {
    /// Harness names: the directories of Fuzz/seeds and Fuzz/regressions.
    static let names = ["pdf", "xlsx", "csv", "json", "qr", "bagit", "inflate"]

    static func run(_ name: String, _ bytes: [UInt8]) {
        switch name {
        case "pdf": pdf(bytes)
        case "xlsx": xlsx(bytes)
        case "csv": csv(bytes)
        case "json": json(bytes)
        case "qr": qr(bytes)
        case "bagit": bagit(bytes)
        case "inflate": inflate(bytes)
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
}
