import Foundation
import HosoCore

extension DemoPKI {
    // MARK: Files

    static func normalized(_ dir: String) -> String {
        var d = dir
        while d.count > 1, d.hasSuffix("/") { d.removeLast() }
        return d
    }

    static func requireEmptyOrAbsent(_ dir: String, shown: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else { return }
        let entries = isDir.boolValue ? (try? FileManager.default.contentsOfDirectory(atPath: dir)) : nil
        if entries?.isEmpty != true {
            throw HosoError(
                .outputNotEmpty,
                .both("Thư mục đã tồn tại và không trống; không ghi gì", "The directory exists and is not empty; nothing was written"),
                location: shown)
        }
    }

    /// Writes every file into a fresh hidden sibling directory (each file fsynced, then each directory), then renames
    /// it to `dir` (which may be an empty directory) and fsyncs the parent. On any failure the sibling is removed.
    static func publish(_ files: [(path: String, bytes: [UInt8], secret: Bool)], at dir: String, shown: String) throws {
        let url = URL(fileURLWithPath: dir)
        let parent = url.deletingLastPathComponent().path
        let action = LocalizedText.both("ghi PKI thử nghiệm", "writing the test PKI")
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw HosoError(
                .ioError, .both("Không tạo được thư mục cha", "Cannot create the parent directory"), location: parent,
                cause: String(describing: error))
        }
        let staging = parent + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        guard mkdir(staging, 0o755) == 0 else { throw HosoError.fromErrno(errno, path: staging, action: action) }
        var published = false
        defer { if !published { try? FileManager.default.removeItem(atPath: staging) } }

        var dirs = [staging]
        for f in files {
            let sub = (f.path as NSString).deletingLastPathComponent
            if !sub.isEmpty, !dirs.contains(staging + "/" + sub) {
                let d = staging + "/" + sub
                guard mkdir(d, 0o755) == 0 else { throw HosoError.fromErrno(errno, path: shown + "/" + sub, action: action) }
                dirs.append(d)
            }
            try writeFile(staging + "/" + f.path, f.bytes, mode: f.secret ? 0o600 : 0o644, shown: shown + "/" + f.path)
        }
        for d in dirs.reversed() { try fsyncPath(d, shown: shown) }

        guard rename(staging, dir) == 0 else {
            let e = errno
            if e == ENOTEMPTY || e == EEXIST || e == ENOTDIR || e == EISDIR {
                throw HosoError(
                    .outputNotEmpty,
                    .both(
                        "Thư mục đã tồn tại và không trống; không ghi gì",
                        "The directory exists and is not empty; nothing was written"),
                    location: shown, cause: errnoDescription(e))
            }
            throw HosoError.fromErrno(e, path: shown, action: action)
        }
        published = true
        try fsyncPath(parent, shown: parent)
    }

    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t, shown: String) throws {
        let action = LocalizedText.both("ghi tệp", "writing the file")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw HosoError.fromErrno(errno, path: shown, action: action) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + done, raw.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HosoError.fromErrno(errno, path: shown, action: action)
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw HosoError.fromErrno(errno, path: shown, action: action) }
    }

    static func fsyncPath(_ path: String, shown: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw HosoError.fromErrno(errno, path: shown, action: .both("đồng bộ thư mục", "syncing the directory")) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw HosoError.fromErrno(errno, path: shown, action: .both("đồng bộ thư mục", "syncing the directory"))
        }
    }

    static func readme(_ m: Manifest) -> String {
        let people = m.identities.map { i in
            "  \(i.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(i.role.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(i.status.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(i.commonName)"
        }.joined(separator: "\n")
        return """
            HẠ TẦNG KHÓA CÔNG KHAI THỬ NGHIỆM (TEST PKI) CỦA HOSO — CHỈ DÙNG ĐỂ THỬ NGHIỆM
            ================================================================================

            Mọi khóa ở đây được tạo ngẫu nhiên bởi `hoso pki demo` lúc \(m.createdAt). Đây KHÔNG phải chứng thư số
            thật của NEAC hay Ban Cơ yếu Chính phủ (VGCA); tên "NEAC test", "VGCA test" chỉ để mô phỏng hai gốc tin cậy.
            Không dùng các khóa này để ký giấy tờ thật. Các khóa bí mật trong keys/ KHÔNG được mã hóa.

            Các tệp:
              roots/<gốc>.pem              chứng thư số của hai CA gốc (tự ký): đưa vào kho tin cậy để thử
              ca/<trung gian>.pem          chứng thư số của hai CA trung gian
                                             ca-giao-duc: cấp cho người của trường (dưới gốc VGCA test)
                                             ca-dich-vu: cấp cho dịch vụ cấp dấu thời gian (TSA) và phòng GD&ĐT (dưới gốc NEAC test)
              <tên>.p12                    khóa bí mật + chứng thư số + chuỗi CA (không gồm gốc), mật khẩu: \(m.password)
              <tên>.crt.pem                chứng thư số của người ký
              keys/<tên>.key.pem           khóa bí mật PKCS#8 KHÔNG mã hóa, để nạp vào SoftHSM2 khi kiểm thử — CHỈ ĐỂ THỬ
              crl/<CA>.crl, .crl.pem       danh sách chứng thư bị thu hồi (CRL) của từng CA (DER và PEM)
              pki.json                     danh mục máy đọc được: vai trò, tên, tệp, thời hạn, số hiệu, ngày thu hồi

            Người ký (tên, vai trò, tình trạng, tên chung CN):
            \(people)

            gv-bi-thu-hoi bị thu hồi (có trong CRL của ca-giao-duc); gv-het-han đã hết hạn; sai-muc-dich chỉ có
            keyUsage keyEncipherment (không ký được); tsa có EKU timeStamping (critical) theo RFC 3161.


            HOSO TEST PKI — FOR TESTING ONLY
            ================================

            Every key here was generated at random by `hoso pki demo` at \(m.createdAt). These are NOT real NEAC or
            Government Cipher Committee (VGCA) certificates; "NEAC test" and "VGCA test" only mimic two trust roots.
            Never sign real documents with these keys. The private keys in keys/ are NOT encrypted.

            Files:
              roots/<root>.pem             the two self-signed root CA certificates: put them in a test trust store
              ca/<intermediate>.pem        the two intermediate CA certificates
                                             ca-giao-duc: issues school people (under the VGCA test root)
                                             ca-dich-vu: issues the time-stamp authority (TSA) and the education office (under the NEAC test root)
              <name>.p12                   private key + certificate + CA chain (without the root), password: \(m.password)
              <name>.crt.pem               the signer's certificate
              keys/<name>.key.pem          UNENCRYPTED PKCS#8 private key, for importing into SoftHSM2 in tests — TEST ONLY
              crl/<CA>.crl, .crl.pem       each CA's certificate revocation list (DER and PEM)
              pki.json                     machine-readable manifest: roles, names, files, validity, serials, revocation dates

            Signers (name, role, status, common name CN):
            \(people)

            gv-bi-thu-hoi is revoked (listed in ca-giao-duc's CRL); gv-het-han has expired; sai-muc-dich has keyUsage
            keyEncipherment only (cannot sign); tsa has a critical timeStamping EKU as RFC 3161 requires.

            """
    }
}
