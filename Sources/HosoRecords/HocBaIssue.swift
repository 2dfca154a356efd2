/// The issue register of one học bạ (`hoc-ba-issue/<moetId>/<schoolYear>`, Schemas/hoc-ba-issue.schema.json): which
/// revision of the học bạ's data was issued as which PDF, and who signed it so far. Each signature is a new
/// revision naming the new PDF (an object of kind `hoc-ba`), so every issued version stays in the archive, in the
/// transparency log and in sync; a correction of the data starts a new PDF, signed again from the homeroom teacher.
public struct HocBaIssue: Sendable, Equatable, Codable {
    public static let recordType = "hoc-ba-issue"

    public struct Signature: Sendable, Equatable, Codable {
        /// homeroom, principal or seal.
        public var role: String
        /// The SHA-256 of the signer's certificate.
        public var signer: String
        /// The signer's name (the certificate's common name).
        public var name: String
        public var time: String
        public init(role: String, signer: String, name: String, time: String) {
            self.role = role
            self.signer = signer
            self.name = name
            self.time = time
        }
    }

    /// The học bạ record (`hoc-ba/<moetId>/<schoolYear>`) and the revision of it this PDF carries.
    public var hocBa: String
    public var revision: String
    /// The SHA-256 of the data embedded in the PDF (that revision's canonical body).
    public var dataDigest: String
    /// The current PDF (an object id).
    public var document: String
    public var school: String
    public var `class`: String
    public var schoolYear: String
    public var signatures: [Signature]

    public init(
        hocBa: String, revision: String, dataDigest: String, document: String, school: String, class className: String,
        schoolYear: String, signatures: [Signature]
    ) {
        self.hocBa = hocBa
        self.revision = revision
        self.dataDigest = dataDigest
        self.document = document
        self.school = school
        self.class = className
        self.schoolYear = schoolYear
        self.signatures = signatures
    }

    public static func recordId(moetId: String, schoolYear: String) -> String { "\(recordType)/\(moetId)/\(schoolYear)" }
}
