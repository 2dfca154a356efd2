/// Text shown to people, in Vietnamese first and English second.
public struct LocalizedText: Sendable, Hashable, CustomStringConvertible {
    public var vi: String
    public var en: String

    public init(vi: String, en: String) {
        self.vi = vi
        self.en = en
    }

    public func text(_ lang: Lang) -> String { lang == .en ? en : vi }
    public var description: String { vi }
}

/// The language of user-facing output.
public enum Lang: String, Sendable, CaseIterable {
    case vi, en

    /// Vietnamese unless the environment asks for English (HOSO_LANG, then the POSIX locale variables).
    public static func fromEnvironment(_ env: [String: String]) -> Lang {
        if let explicit = env["HOSO_LANG"], let lang = Lang(rawValue: explicit.lowercased()) {
            return lang
        }
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = env[key], !value.isEmpty {
                return value.lowercased().hasPrefix("en") ? .en : .vi
            }
        }
        return .vi
    }
}

/// Every error hoso reports: a stable code (what scripts and tests compare), a message in both
/// languages, where it happened (file, row, field or object) and the underlying cause.
/// Equality is on the code only, so tests can say `#expect(throws: HosoError.objectCorrupt)`-style checks.
public struct HosoError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A stable code with its category. Each module declares its codes in one catalogue (an extension of `Code`),
    /// each with an explicit category; equality and hashing are on the text alone.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public let category: Category

        public init(_ rawValue: String, _ category: Category) {
            self.rawValue = rawValue
            self.category = category
        }

        /// A code received from elsewhere (a peer's answer), whose catalogue this node may not have: the category
        /// follows the naming rule (`*_NOT_FOUND` is "not found"; anything else is the caller's input).
        public init(rawValue: String) {
            self.init(rawValue, rawValue.hasSuffix("_NOT_FOUND") ? .notFound : .badInput)
        }

        public var description: String { rawValue }
        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into h: inout Hasher) { h.combine(rawValue) }
    }

    /// Broad classes of failure. Each maps to one documented exit code of the CLI and one HTTP status of the web
    /// application and the sync protocol (HosoError+Status.swift).
    public enum Category: Sendable, CaseIterable {
        /// Stored data is damaged.
        case damage
        /// The caller's input is wrong (a file, a field, a request).
        case badInput
        /// What was asked for does not exist.
        case notFound
        /// The disk or the system failed.
        case io
        /// Another process holds the archive.
        case busy
        /// A bug.
        case `internal`
        /// Who is asking is not known (no session, a failed sign-in).
        case unauthenticated
        /// Who is asking may not do this.
        case forbidden
        /// The request clashes with the current state (a request already served, a revoked diploma).
        case conflict
        /// The request body is over its limit.
        case tooLarge
        /// Too many attempts; try later.
        case throttled
    }

    public var code: Code
    public var message: LocalizedText
    /// The file, object, row or field the error is about, when there is one.
    public var location: String?
    /// The lower-level cause, e.g. "errno 28: No space left on device".
    public var cause: String?
    /// For a failed write: whether anything reached the archive before the failure (true: a re-run continues or
    /// says it is done; false: nothing changed). Nil where the question does not arise or is answered elsewhere.
    public var tookEffect: Bool?

    public init(_ code: Code, _ message: LocalizedText, location: String? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
    }

    public static func == (lhs: HosoError, rhs: HosoError) -> Bool { lhs.code == rhs.code }

    public var category: Category { code.category }

    public func text(_ lang: Lang) -> String {
        var s = message.text(lang)
        if let location { s = "\(location): " + s }
        if let cause { s += " (\(cause))" }
        return s
    }

    public var description: String { "[\(code)] " + text(.en) }
}

extension HosoError.Code {
    // Archive
    public static let archiveNotFound = Self("ARCHIVE_NOT_FOUND", .notFound)
    public static let archiveExists = Self("ARCHIVE_EXISTS", .badInput)
    public static let archiveNotEmpty = Self("ARCHIVE_DIR_NOT_EMPTY", .badInput)
    public static let archiveFormat = Self("ARCHIVE_FORMAT_UNSUPPORTED", .badInput)
    public static let archiveDamaged = Self("ARCHIVE_DAMAGED", .damage)
    public static let archiveUnwritable = Self("ARCHIVE_UNWRITABLE", .io)
    public static let busy = Self("ARCHIVE_BUSY", .busy)
    // Objects
    public static let invalidID = Self("INVALID_OBJECT_ID", .badInput)
    public static let ambiguousID = Self("AMBIGUOUS_OBJECT_ID", .badInput)
    public static let objectNotFound = Self("OBJECT_NOT_FOUND", .notFound)
    public static let objectCorrupt = Self("OBJECT_CORRUPT", .damage)
    public static let objectTruncated = Self("OBJECT_TRUNCATED", .damage)
    public static let objectMalformed = Self("OBJECT_MALFORMED", .damage)
    public static let objectUnreadable = Self("OBJECT_UNREADABLE", .io)
    public static let objectTooLarge = Self("OBJECT_TOO_LARGE", .badInput)
    public static let invalidKind = Self("INVALID_KIND", .badInput)
    // Input files
    public static let inputNotFound = Self("INPUT_NOT_FOUND", .notFound)
    public static let inputUnreadable = Self("INPUT_UNREADABLE", .badInput)
    public static let inputNotRegular = Self("INPUT_NOT_REGULAR_FILE", .badInput)
    public static let symlinkLoop = Self("INPUT_SYMLINK_LOOP", .badInput)
    public static let duplicatePath = Self("INPUT_DUPLICATE_PATH", .badInput)
    public static let inputChanged = Self("INPUT_CHANGED_WHILE_READ", .badInput)
    public static let inputInsideArchive = Self("INPUT_INSIDE_ARCHIVE", .badInput)
    public static let invalidManifest = Self("INVALID_MANIFEST", .badInput)
    // Environment
    public static let diskFull = Self("DISK_FULL", .io)
    public static let fileTooLarge = Self("FILE_SIZE_LIMIT", .io)
    public static let ioError = Self("IO_ERROR", .io)
    public static let indexError = Self("INDEX_ERROR", .io)
    /// The index file is not a database SQLite can read (damaged, or junk): it is derived, so it is set aside and rebuilt.
    public static let indexDamaged = Self("INDEX_DAMAGED", .damage)
    public static let internalError = Self("INTERNAL_ERROR", .internal)
}

/// Several problems found at once: imports check everything first and report every problem together.
public struct HosoProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [HosoError]
    public init(_ problems: [HosoError]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension LocalizedText {
    /// Both languages formatted from the same arguments.
    public static func both(_ vi: String, _ en: String) -> LocalizedText { LocalizedText(vi: vi, en: en) }
}
