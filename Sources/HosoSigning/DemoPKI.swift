import COpenSSL
import Foundation
import HosoCore

// MARK: - The demo PKI

/// A complete TEST PKI for the samples and the tests: two roots (a national-root and a government-CA stand-in),
/// two intermediates, teachers, a principal, a registrar, an office head, a TSA, and the awkward cases a verifier
/// must catch (revoked, expired, wrong key usage), with CRLs. Dates are relative to the clock, so
/// `HOSO_NOW=2019-… hoso pki demo` makes a PKI "in 2019". Every key is made fresh: TEST ONLY.
public struct DemoPKI {
    public static let defaultPassword = "hoso-demo"

    /// What a person (or the TSA) does; tests pick identities by role.
    public enum Role: String, Codable, Sendable, CaseIterable {
        case subjectTeacher = "subject-teacher"
        case homeroomTeacher = "homeroom-teacher"
        case principal, registrar
        case
            officeHead = "office-head"
        case tsa
    }

    /// Why an identity is in the demo: most are good signers; some exist to be rejected.
    public enum Status: String, Codable, Sendable {
        case valid, revoked, expired
        case wrongKeyUsage = "wrong-key-usage"
    }

    /// `pki.json`: every file of the demo PKI, relative to its directory.
    public struct Manifest: Codable, Sendable {
        public var testOnly: Bool
        public var createdAt: String
        /// The password of every `.p12` file.
        public var password: String
        public var roots: [Authority]
        public var intermediates: [Authority]
        public var identities: [Identity]
        public var crls: [CRLFile]

        public func identity(_ name: String) -> Identity? { identities.first { $0.name == name } }
        public func authority(_ name: String) -> Authority? { (roots + intermediates).first { $0.name == name } }
    }

    public struct Authority: Codable, Sendable {
        public var name: String
        public var commonName: String
        public var key: String
        /// The issuing root's name; the authority's own name for a root.
        public var issuer: String
        public var certificate: String
        public var crl: String
        public var notBefore: String
        public var notAfter: String
        public var serial: String
        /// Intermediates only: the CA's UNENCRYPTED private key, so `hoso node init --pki` can issue sync-node
        /// certificates later. TEST ONLY. Absent in PKIs made before it was added.
        public var keyFile: String?
    }

    public struct Identity: Codable, Sendable {
        public var name: String
        public var role: Role
        public var status: Status
        public var commonName: String
        public var organization: String
        public var title: String?
        public var key: String
        /// The intermediate that issued it, and the root above that.
        public var issuer: String
        public var root: String
        public var files: Files
        public var notBefore: String
        public var notAfter: String
        public var serial: String
        public var revokedAt: String?
    }

    public struct Files: Codable, Sendable {
        public var p12: String
        public var certificate: String
        /// Unencrypted PKCS#8: for importing into SoftHSM2 in tests. TEST ONLY.
        public var key: String
    }

    public struct CRLFile: Codable, Sendable {
        public var issuer: String
        public var der: String
        public var pem: String
        public var number: Int
        public var thisUpdate: String
        public var nextUpdate: String
        public var revokedSerials: [String]
    }

    /// Reads `DIR/pki.json`.
    public static func manifest(at dir: String) throws -> Manifest {
        let path = dir + "/pki.json"
        let bytes = try Certificate.readFile(path)
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(bytes))
        } catch {
            throw HosoError(
                .invalidManifest, .both("pki.json không hợp lệ", "pki.json is not valid"), location: path,
                cause: String(describing: error))
        }
    }

    // MARK: What the demo holds

    static let school = "Trường THCS Hòa Bình"
    static let office = "Phòng Giáo dục và Đào tạo huyện Hòa Bình"
    static let pkiOrg = "hoso TEST PKI"
    static let crlBase = "http://pki.hoso.test/crl/"

    struct AuthorityPlan {
        var name: String
        var commonName: String
        var key: PrivateKey.Algorithm
        var parent: String?
    }

    static let rootPlans = [
        AuthorityPlan(name: "root-neac-test", commonName: "hoso TEST Root CA quốc gia (NEAC test)", key: .ecP384, parent: nil),
        AuthorityPlan(name: "root-vgca-test", commonName: "hoso TEST Root CA chuyên dùng (VGCA test)", key: .rsa3072, parent: nil),
    ]
    static let intermediatePlans = [
        AuthorityPlan(name: "ca-giao-duc", commonName: "hoso TEST CA Giáo dục", key: .rsa3072, parent: "root-vgca-test"),
        AuthorityPlan(name: "ca-dich-vu", commonName: "hoso TEST CA Dịch vụ", key: .ecP384, parent: "root-neac-test"),
    ]

    struct IdentityPlan {
        var name: String
        var role: Role
        var status: Status
        var commonName: String
        var organization: String
        var title: String?
        var key: PrivateKey.Algorithm
        var issuer: String
    }

    static let identityPlans = [
        IdentityPlan(
            name: "gv-toan", role: .subjectTeacher, status: .valid, commonName: "Nguyễn Văn An", organization: school,
            title: "Giáo viên Toán", key: .rsa2048, issuer: "ca-giao-duc"),
        IdentityPlan(
            name: "gv-van", role: .subjectTeacher, status: .valid, commonName: "Trần Thị Bích Ngọc", organization: school,
            title: "Giáo viên Ngữ văn", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(
            name: "gvcn", role: .homeroomTeacher, status: .valid, commonName: "Lê Thị Hồng Nhung", organization: school,
            title: "Giáo viên chủ nhiệm lớp 9A", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(
            name: "hieu-truong", role: .principal, status: .valid, commonName: "Phạm Quốc Đức", organization: school,
            title: "Hiệu trưởng", key: .rsa2048, issuer: "ca-giao-duc"),
        IdentityPlan(
            name: "can-bo-van-bang", role: .registrar, status: .valid, commonName: "Hoàng Thị Thu Hà", organization: school,
            title: "Cán bộ quản lý văn bằng chứng chỉ", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(
            name: "truong-phong", role: .officeHead, status: .valid, commonName: "Vũ Minh Tuấn", organization: office,
            title: "Trưởng phòng", key: .rsa2048, issuer: "ca-dich-vu"),
        // The office's organisation certificate (its electronic seal): signs certified copies and their QR payloads,
        // which must be ECDSA P-256 to fit a small QR code.
        IdentityPlan(
            name: "van-phong", role: .officeHead, status: .valid, commonName: office, organization: office,
            title: nil, key: .ecP256, issuer: "ca-dich-vu"),
        IdentityPlan(
            name: "tsa", role: .tsa, status: .valid, commonName: "hoso TEST Dịch vụ cấp dấu thời gian", organization: pkiOrg,
            title: nil, key: .ecP256, issuer: "ca-dich-vu"),
        IdentityPlan(
            name: "gv-bi-thu-hoi", role: .subjectTeacher, status: .revoked, commonName: "Đỗ Văn Hùng", organization: school,
            title: "Giáo viên Vật lí", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(
            name: "gv-het-han", role: .subjectTeacher, status: .expired, commonName: "Bùi Thị Lan", organization: school,
            title: "Giáo viên Lịch sử", key: .ecP256, issuer: "ca-giao-duc"),
        // RSA: keyEncipherment is an RSA usage; the point is that digitalSignature/nonRepudiation are missing.
        IdentityPlan(
            name: "sai-muc-dich", role: .subjectTeacher, status: .wrongKeyUsage, commonName: "Ngô Thanh Tùng", organization: school,
            title: "Giáo viên Tin học", key: .rsa2048, issuer: "ca-giao-duc"),
    ]

    /// Every date of the demo, as offsets from the clock's "now" (seconds; a year is 365 days).
    enum Dates {
        static let day: TimeInterval = 86_400, year: TimeInterval = 365 * day
        // CAs and the TSA reach back five and four years, so the expired teacher (valid three to one years ago)
        // chains at the time it signed, and a timestamp from back then can be made and checked.
        static let root = (from: -5 * year, to: 20 * year)
        static let intermediate = (from: -5 * year, to: 10 * year)
        static let leaf = (from: -30 * day, to: 2 * year)
        static let tsa = (from: -4 * year, to: 2 * year)
        static let expiredLeaf = (from: -3 * year, to: -year)
        static let revocation = -10 * day
        static let crl = (from: -3600.0, to: 30 * day)
    }
}
