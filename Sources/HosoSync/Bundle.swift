import Foundation
import HosoCore
import HosoSigning
import HosoStore

extension HosoError.Code {
    /// The bundle is not a bag hoso can accept: tag files missing or extra, a manifest line unreadable, a data
    /// file not in the manifest or missing, Payload-Oxum wrong.
    public static let bagInvalid = Self("BUNDLE_BAG_INVALID", .badInput)
    /// A file's SHA-256 does not match the manifest (or an object's content does not match its name).
    public static let bagDigestMismatch = Self("BUNDLE_DIGEST_MISMATCH", .badInput)
    /// The node signature over the tag manifest is missing, malformed, not valid, or not by the claimed sender.
    public static let bundleSignatureInvalid = Self("BUNDLE_SIGNATURE_INVALID", .badInput)
    /// The bundle's number is too far past the last one imported from its sender (see `BundleFormat.maxSequenceGap`).
    public static let bundleOutOfSequence = Self("BUNDLE_OUT_OF_SEQUENCE", .badInput)
}

/// `hoso-bundle.json`, a tag file of every bundle (Schemas/bundle.schema.json): who sent it to whom, its sequence
/// number on that link (a replayed older bundle is refused), and which of the recipient's bundles the sender had
/// imported when it made this one (so the recipient stops resending what arrived).
public struct BundleHeader: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var node: String
        public var name: String
        public init(node: String, name: String) {
            self.node = node
            self.name = name
        }
    }

    public var format = "hoso-bundle"
    public var version = 1
    public var id: String
    public var from: Node
    public var to: Node
    public var sequence: Int
    public var created: String
    /// The highest sequence number of the recipient's bundles (to the sender) that the sender had imported; 0: none.
    public var acknowledges: Int
    public var objects: Int
    public var bytes: UInt64
    /// The sender's log checkpoint, proof, cosignature and incidents (`WitnessMessage`); absent from older bundles.
    public var witness: WitnessMessage?

    public init(id: String, from: Node, to: Node, sequence: Int, created: String, acknowledges: Int, objects: Int, bytes: UInt64) {
        self.id = id
        self.from = from
        self.to = to
        self.sequence = sequence
        self.created = created
        self.acknowledges = acknowledges
        self.objects = objects
        self.bytes = bytes
    }
}

/// One object carried in a bundle's payload, as `data/<kind>/<id>`.
public struct BundleObject: Sendable, Equatable {
    public var id: ObjectID
    public var kind: ObjectKind
    public var size: UInt64
    public init(id: ObjectID, kind: ObjectKind, size: UInt64) {
        self.id = id
        self.kind = kind
        self.size = size
    }
    public var path: String { "data/\(kind.rawValue)/\(id.hex)" }
}

/// Writing and reading bundles: one tar file (optionally gzip-compressed) holding one BagIt bag (RFC 8493) whose payload
/// files are objects named by their SHA-256 (so the bag manifest's digest of each file is its name), with the node
/// signature (CMS, detached, over `tagmanifest-sha256.txt`) as the tag file `hoso-bundle.p7s`. The tag files come
/// first in the tar, so a reader checks the sender before it reads any payload.
public enum BundleFormat {
    public static let headerFile = "hoso-bundle.json"
    public static let signatureFile = "hoso-bundle.p7s"
    static let tagOrder = ["bagit.txt", "bag-info.txt", headerFile, "manifest-sha256.txt", "tagmanifest-sha256.txt"]
    static let bagitTxt = Array("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".utf8)
    /// Bundle numbers stay below this (a bundle a minute for four thousand years): a signed header cannot carry a
    /// number that overflows the arithmetic on it.
    public static let maxSequence = Int(Int32.max)
    /// How far past the last bundle imported from a peer the next one may be numbered. Gaps are bundles made and never
    /// delivered (a lost USB stick); a jump beyond this is a peer's fault, and accepting it would make every later
    /// genuine bundle look old.
    public static let maxSequenceGap = 100_000

    /// The bag's top directory inside the tar.
    public static func baseDirectory(_ header: BundleHeader) -> String { "hoso-bundle-" + header.id }

    /// The tag files (everything but the signature), in tar order.
    public static func tagFiles(header: BundleHeader, objects: [BundleObject]) throws -> [(String, [UInt8])] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let headerBytes = Array(try enc.encode(header)) + [0x0A]
        let manifest = objects.sorted { $0.path < $1.path }.map { "\($0.id.hex)  \($0.path)\n" }.joined()
        let info = """
            Bag-Software-Agent: hoso
            Bagging-Date: \(header.created.prefix(10))
            External-Identifier: \(header.id)
            Source-Organization: \(header.from.name)
            Hoso-Sender-Node: \(header.from.node)
            Hoso-Recipient-Node: \(header.to.node)
            Hoso-Sequence: \(header.sequence)
            Payload-Oxum: \(header.bytes).\(header.objects)

            """
        var files: [(String, [UInt8])] = [
            ("bagit.txt", bagitTxt), ("bag-info.txt", Array(info.utf8)),
            (headerFile, headerBytes), ("manifest-sha256.txt", Array(manifest.utf8)),
        ]
        let tagManifest = files.map { "\(ObjectID(hashing: $0.1).hex)  \($0.0)\n" }.joined()
        files.append(("tagmanifest-sha256.txt", Array(tagManifest.utf8)))
        return files
    }

    /// Writes a whole bundle: tag files, signature (made by `sign` over the tag manifest), then each object's content
    /// from `content`, which must write exactly `object.size` bytes.
    public static func write(
        to sink: any ByteSink, header: BundleHeader, objects: [BundleObject], mtime: Int,
        sign: ([UInt8]) throws -> [UInt8],
        content: (BundleObject, any ByteSink) throws -> Void
    ) throws {
        let base = baseDirectory(header)
        let tags = try tagFiles(header: header, objects: objects)
        let tar = TarWriter(sink: sink, mtime: mtime)
        for (name, bytes) in tags { try tar.add(path: base + "/" + name, bytes: bytes) }
        try tar.add(path: base + "/" + signatureFile, bytes: try sign(tags.last!.1))
        try tar.addDirectory(path: base + "/data/")
        for o in objects.sorted(by: { $0.path < $1.path }) {
            try tar.add(path: base + "/" + o.path, size: o.size) { try content(o, $0) }
        }
        try tar.finish()
    }
}

/// What a reader learned from a bundle's tag files, all checked against the tag manifest.
public struct BundleTags: Sendable {
    public var header: BundleHeader
    public var objects: [BundleObject]
    public var tagManifest: [UInt8]
    public var signature: [UInt8]
    public var baseDirectory: String

    /// True when `signature` is one valid detached CMS signature over the tag manifest by exactly `certificate`.
    public func isSigned(by certificate: Certificate) -> Bool {
        guard let sd = try? SignedData(der: signature), sd.isDetached, sd.signers.count == 1, let s = sd.signers.first,
            let cert = s.certificate, cert == certificate
        else { return false }
        return s.contentMatches(tagManifest) && s.signatureIsValid()
    }

    /// The certificate the signature names (to tell "unknown node" from "forged signature").
    public var signerCertificate: Certificate? {
        (try? SignedData(der: signature))?.signers.first?.certificate
    }
}

/// Reads a bundle in two steps: `readTags()` (bounded, in memory), then — after the caller has checked the sender —
/// `readPayload`, which hands each object's member to the caller to stage and checks its digest.
public final class BundleReader {
    public struct Limits: Sendable {
        /// Each tag file, and all of them together.
        public var maxTagFile: UInt64 = 16 << 20
        public var maxTags: UInt64 = 64 << 20
        /// One object.
        public var maxObject: UInt64 = 8 << 30
        /// The whole bundle, inflated.
        public var maxBundle: UInt64 = 256 << 30
        public var maxObjects = 5_000_000
        public init() {}
    }

    let source: BoundedInflatingSource
    let tar: TarReader
    let limits: Limits
    private var firstData: TarEntry?
    private var tags: BundleTags?

    public init(source: any ByteSource, limits: Limits = Limits()) {
        self.limits = limits
        // Until the tag files are read and checked, only they may be inflated.
        self.source = BoundedInflatingSource(source, limit: limits.maxTags + 64 * 1024)
        self.tar = TarReader(source: self.source, maxMemberSize: limits.maxTagFile)
    }

    public var isCompressed: Bool { source.isGzip }

    static func invalid(_ vi: String, _ en: String, _ location: String? = nil, cause: String? = nil) -> HosoError {
        HosoError(.bagInvalid, .both(vi, en), location: location, cause: cause)
    }

    /// Reads and checks the tag files: the expected set, in order, each listed in the tag manifest with its digest;
    /// `bagit.txt` as RFC 8493 writes it; the header and manifest parse; Payload-Oxum matches the header.
    public func readTags() throws -> BundleTags {
        let (base, files) = try readTagFiles()
        try Self.checkTagManifest(files, base: base)
        let header = try Self.header(files, base: base)
        let objects = try Self.manifestObjects(files, base: base)
        try checkBounds(objects, header: header, base: base)
        try Self.checkPayloadOxum(files, base: base, header: header)
        let t = BundleTags(
            header: header, objects: objects, tagManifest: files["tagmanifest-sha256.txt"]!, signature: files[BundleFormat.signatureFile]!,
            baseDirectory: base)
        tags = t
        return t
    }

    /// The tar's members up to the first under `data/`: one bag directory holding each expected tag file once
    /// (bagit.txt as RFC 8493 writes it). The bag's directory name and the tag files by name.
    private func readTagFiles() throws -> (base: String, files: [String: [UInt8]]) {
        var files = [String: [UInt8]]()
        var base: String?
        while let e = try tar.next() {
            guard e.components.count >= 2 else {
                throw Self.invalid("Gói phải có đúng một thư mục túi (bag) ở gốc", "The bundle must hold exactly one bag directory", e.path)
            }
            if base == nil { base = e.components[0] }
            guard e.components[0] == base else {
                throw Self.invalid("Gói phải có đúng một thư mục túi (bag) ở gốc", "The bundle must hold exactly one bag directory", e.path)
            }
            if e.components[1] == "data" {
                firstData = e
                break
            }
            guard e.components.count == 2, !e.isDirectory,
                BundleFormat.tagOrder.contains(e.components[1]) || e.components[1] == BundleFormat.signatureFile,
                files[e.components[1]] == nil
            else {
                throw Self.invalid("Tệp thẻ (tag file) lạ hoặc lặp lại trong gói", "Unexpected or repeated tag file in the bundle", e.path)
            }
            files[e.components[1]] = try tar.readBody()
        }
        guard let base else { throw Self.invalid("Gói rỗng", "The bundle is empty") }
        for name in BundleFormat.tagOrder + [BundleFormat.signatureFile] where files[name] == nil {
            throw Self.invalid("Gói thiếu tệp \(name)", "The bundle lacks \(name)", base + "/" + name)
        }
        guard firstData != nil || tar.finished else { throw Self.invalid("Gói thiếu thư mục data/", "The bundle lacks data/", base) }
        if files["bagit.txt"]! != BundleFormat.bagitTxt {
            throw Self.invalid("bagit.txt không đúng BagIt 1.0 UTF-8", "bagit.txt is not BagIt 1.0 in UTF-8", base + "/bagit.txt")
        }
        return (base, files)
    }

    /// The tag manifest covers exactly the other tag files, with their digests.
    private static func checkTagManifest(_ files: [String: [UInt8]], base: String) throws {
        let listed = try parseManifest(files["tagmanifest-sha256.txt"]!, source: base + "/tagmanifest-sha256.txt")
        let expected = Set(BundleFormat.tagOrder.dropLast())
        guard Set(listed.map(\.path)) == expected, listed.count == expected.count else {
            throw invalid(
                "tagmanifest-sha256.txt phải liệt kê đúng các tệp thẻ", "tagmanifest-sha256.txt must list exactly the tag files",
                base + "/tagmanifest-sha256.txt")
        }
        for l in listed where ObjectID(hashing: files[l.path]!).hex != l.digest {
            throw HosoError(
                .bagDigestMismatch,
                .both("Mã băm của tệp thẻ không khớp tagmanifest", "A tag file's digest does not match the tag manifest"),
                location: base + "/" + l.path)
        }
    }

    /// `hoso-bundle.json`, which must be a version 1 hoso bundle's and name the bag's directory.
    private static func header(_ files: [String: [UInt8]], base: String) throws -> BundleHeader {
        let header: BundleHeader
        do { header = try JSONDecoder().decode(BundleHeader.self, from: Data(files[BundleFormat.headerFile]!)) } catch {
            throw invalid(
                "hoso-bundle.json không đọc được", "hoso-bundle.json is unreadable", base + "/" + BundleFormat.headerFile,
                cause: "\(error)")
        }
        guard header.format == "hoso-bundle", header.version == 1, base == BundleFormat.baseDirectory(header) else {
            throw invalid("Không phải gói hoso phiên bản 1", "Not a version 1 hoso bundle", base + "/" + BundleFormat.headerFile)
        }
        return header
    }

    /// The objects the manifest lists, each as `data/<kind>/<sha256>` under its own digest, once.
    private static func manifestObjects(_ files: [String: [UInt8]], base: String) throws -> [BundleObject] {
        var objects = [BundleObject]()
        var seen = Set<String>()
        for l in try parseManifest(files["manifest-sha256.txt"]!, source: base + "/manifest-sha256.txt") {
            let parts = l.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == "data", let kind = ObjectKind(rawValue: parts[1]), let id = ObjectID(hex: parts[2]),
                id.hex == parts[2], id.hex == l.digest, seen.insert(id.hex).inserted
            else {
                throw invalid(
                    "Dòng manifest không phải data/<loại>/<sha256> khớp mã băm",
                    "A manifest line is not data/<kind>/<sha256> with that digest",
                    base + "/manifest-sha256.txt", cause: l.path)
            }
            objects.append(BundleObject(id: id, kind: kind, size: 0))
        }
        return objects
    }

    /// The header counts the manifest's objects, and both stay within the limits.
    private func checkBounds(_ objects: [BundleObject], header: BundleHeader, base: String) throws {
        guard objects.count == header.objects, objects.count <= limits.maxObjects, header.bytes <= limits.maxBundle,
            (1...BundleFormat.maxSequence).contains(header.sequence), (0...BundleFormat.maxSequence).contains(header.acknowledges)
        else {
            throw Self.invalid(
                "Số đối tượng, kích thước hoặc số thứ tự trong gói vượt giới hạn hoặc không khớp",
                "Object count, size or sequence number out of bounds or inconsistent",
                base + "/" + BundleFormat.headerFile)
        }
    }

    /// bag-info.txt's Payload-Oxum says what the header says.
    private static func checkPayloadOxum(_ files: [String: [UInt8]], base: String, header: BundleHeader) throws {
        let info = String(decoding: files["bag-info.txt"]!, as: UTF8.self)
        guard info.split(separator: "\n").contains(where: { $0 == "Payload-Oxum: \(header.bytes).\(header.objects)" }) else {
            throw invalid(
                "Payload-Oxum không khớp hoso-bundle.json", "Payload-Oxum does not match hoso-bundle.json", base + "/bag-info.txt")
        }
    }

    /// Reads every payload member. Each must be a file listed in the manifest, seen once; `stage` receives it and
    /// returns the SHA-256 of what it read, which must be its name. Afterwards every listed object must have come,
    /// and the payload must total the signed Payload-Oxum. Only call once the tags' signature and sender are checked.
    public func readPayload(stage: (BundleObject, TarReader) throws -> ObjectID) throws {
        guard let tags else { preconditionFailure("readTags first") }
        // Now the signed header bounds what may be inflated: its payload plus tar's per-member overhead.
        source.limit = min(limits.maxBundle, source.produced + tags.header.bytes + UInt64(tags.objects.count + 4) * 1024 + 1024 * 1024)
        let wanted = Dictionary(uniqueKeysWithValues: tags.objects.map { ($0.path, $0) })
        var got = Set<String>()
        var total: UInt64 = 0
        var pending = firstData
        firstData = nil
        tar.maxMemberSize = limits.maxObject
        while true {
            let e: TarEntry
            if let f = pending {
                e = f
                pending = nil
            } else if !tar.finished, let n = try tar.next() {
                e = n
            } else {
                break
            }
            let rel = e.components.dropFirst().joined(separator: "/")
            guard e.components.first == tags.baseDirectory, e.components.count >= 2, e.components[1] == "data" else {
                throw Self.invalid("Sau data/ chỉ được có tệp dữ liệu", "Only payload files may follow data/", e.path)
            }
            if e.isDirectory {
                guard e.components.count <= 3 else { throw Self.invalid("Thư mục lạ trong data/", "Unexpected directory in data/", e.path) }
                continue
            }
            guard var o = wanted[rel] else {
                throw Self.invalid("Tệp dữ liệu không có trong manifest", "A payload file is not in the manifest", e.path)
            }
            guard got.insert(rel).inserted else { throw Self.invalid("Tệp dữ liệu lặp lại", "A payload file appears twice", e.path) }
            total += e.size
            guard total <= tags.header.bytes else {
                throw HosoError(
                    .bundleTooLarge, .both("Dữ liệu lớn hơn Payload-Oxum đã ký", "The payload is larger than its signed Payload-Oxum"),
                    location: e.path)
            }
            o.size = e.size
            let digest = try stage(o, tar)
            guard digest == o.id else {
                throw HosoError(
                    .bagDigestMismatch, .both("Mã SHA-256 của tệp không khớp manifest", "The file's SHA-256 does not match the manifest"),
                    location: e.path, cause: "content hashes to \(digest.hex)")
            }
        }
        if got.count != wanted.count {
            let missing = wanted.keys.filter { !got.contains($0) }.sorted()
            throw Self.invalid(
                "Gói thiếu \(missing.count) tệp dữ liệu có trong manifest",
                "The bundle lacks \(missing.count) payload file(s) the manifest lists",
                tags.baseDirectory + "/" + (missing.first ?? ""))
        }
        guard total == tags.header.bytes else {
            throw Self.invalid(
                "Tổng dữ liệu không khớp Payload-Oxum", "The payload does not total its Payload-Oxum", tags.baseDirectory + "/bag-info.txt")
        }
        try source.readToEnd()
    }

    struct ManifestLine {
        var digest: String
        var path: String
    }

    static func parseManifest(_ bytes: [UInt8], source: String) throws -> [ManifestLine] {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw invalid("Manifest không phải UTF-8", "The manifest is not UTF-8", source)
        }
        var out = [ManifestLine]()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2, fields[0].count == 64, ObjectID(hex: String(fields[0])) != nil else {
                throw invalid("Dòng manifest không hợp lệ", "Invalid manifest line", "\(source):\(i + 1)")
            }
            let path = fields[1].drop { $0 == " " || $0 == "\t" }
            _ = try TarReader.checkPath(String(path))
            out.append(ManifestLine(digest: String(fields[0]).lowercased(), path: String(path)))
        }
        return out
    }
}
