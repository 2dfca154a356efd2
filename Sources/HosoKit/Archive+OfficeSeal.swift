import Foundation
import HosoCopies
import HosoCore
import HosoRecords
import HosoStore

extension HosoError.Code {
    /// The seal image is not a small PNG (`SealImage.check`).
    public static let sealImageInvalid = Self("SEAL_IMAGE_INVALID", .badInput)
}

/// The office's seal as shown on the public page: a PNG, small enough to send to every phone that checks a copy.
public enum SealImage {
    /// The largest file accepted.
    public static let maxBytes = 200 * 1024
    /// The largest width and height in pixels (a seal is shown at most a few hundred pixels wide).
    public static let maxSide = 1024
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Width and height of a PNG within the limits; a plain error for anything else. Only the header is read: the
    /// page serves the bytes as image/png and the browser decodes them, never the server.
    @discardableResult
    public static func check(_ bytes: [UInt8]) throws -> (width: Int, height: Int) {
        func invalid(_ vi: String, _ en: String) -> HosoError {
            HosoError(.sealImageInvalid, .both("Ảnh con dấu: \(vi)", "Seal image: \(en)"), location: "sealImage")
        }
        guard bytes.count <= maxBytes else {
            throw invalid("tệp lớn quá \(maxBytes / 1024) KiB", "the file is over \(maxBytes / 1024) KiB")
        }
        // Signature, then the IHDR chunk: length 13, type, width, height (big-endian).
        guard bytes.count >= 33, Array(bytes[0..<8]) == signature, Array(bytes[8..<16]) == [0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
        else { throw invalid("không phải tệp PNG", "not a PNG file") }
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let (w, h) = (be32(16), be32(20))
        guard (1...maxSide).contains(w), (1...maxSide).contains(h) else {
            throw invalid("kích thước \(w)×\(h) điểm ảnh, tối đa \(maxSide)×\(maxSide)", "\(w)×\(h) pixels, at most \(maxSide)×\(maxSide)")
        }
        return (w, h)
    }
}

extension Archive {
    /// Stores a seal PNG as an object and returns its id, for the settings' `sealImage`.
    public func storeSealImage(_ png: [UInt8]) throws -> String {
        try SealImage.check(png)
        return try putObject(png, kind: .blob).id.hex
    }

    /// The seal PNG the settings name, nil when none is set or it is not here (a node that has not synced it yet).
    public func sealImage() throws -> [UInt8]? {
        guard let hex = try officeSettings().sealImage, let id = ObjectID(hex: hex), store.exists(id) else { return nil }
        guard let bytes = try? store.read(id, limit: UInt64(SealImage.maxBytes)), (try? SealImage.check(bytes)) != nil else { return nil }
        return bytes
    }

    /// The settings as they are saved: the public page address in its one form, the seal image present and a PNG.
    func checkedPublicFields(_ s: OfficeSettings) throws -> OfficeSettings {
        var s = s
        if let u = s.publicURL { s.publicURL = u.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try QRLink.normalizedPublicURL(u) }
        if let hex = s.sealImage {
            guard let id = ObjectID(hex: hex), store.exists(id) else {
                throw HosoError(
                    .sealImageInvalid, .both("Không có ảnh con dấu này trong kho", "No such seal image in the archive"),
                    location: "sealImage")
            }
            try SealImage.check(try store.read(id, limit: UInt64(SealImage.maxBytes)))
        }
        return s
    }
}
