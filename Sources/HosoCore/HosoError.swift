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
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
    }

    /// Broad classes of failure; each maps to one documented exit code of the CLI.
    public enum Category: Sendable {
        case damage, badInput, notFound, io, busy, `internal`
    }

    public var code: Code
    public var message: LocalizedText
    /// The file, object, row or field the error is about, when there is one.
    public var location: String?
    /// The lower-level cause, e.g. "errno 28: No space left on device".
    public var cause: String?

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
    public var category: HosoError.Category {
        switch self {
        case .objectCorrupt, .objectTruncated, .objectMalformed, .archiveDamaged:
            return .damage
        case .archiveNotFound, .objectNotFound, .inputNotFound:
            return .notFound
        case .diskFull, .fileTooLarge, .ioError, .objectUnreadable, .indexError, .archiveUnwritable:
            return .io
        case .busy:
            return .busy
        case .internalError:
            return .internal
        default:
            // Codes declared in other modules follow the naming rule: *_NOT_FOUND is "not found".
            return rawValue.hasSuffix("_NOT_FOUND") ? .notFound : .badInput
        }
    }

    // Archive
    public static let archiveNotFound = Self(rawValue: "ARCHIVE_NOT_FOUND")
    public static let archiveExists = Self(rawValue: "ARCHIVE_EXISTS")
    public static let archiveNotEmpty = Self(rawValue: "ARCHIVE_DIR_NOT_EMPTY")
    public static let archiveFormat = Self(rawValue: "ARCHIVE_FORMAT_UNSUPPORTED")
    public static let archiveDamaged = Self(rawValue: "ARCHIVE_DAMAGED")
    public static let archiveUnwritable = Self(rawValue: "ARCHIVE_UNWRITABLE")
    public static let busy = Self(rawValue: "ARCHIVE_BUSY")
    // Objects
    public static let invalidID = Self(rawValue: "INVALID_OBJECT_ID")
    public static let ambiguousID = Self(rawValue: "AMBIGUOUS_OBJECT_ID")
    public static let objectNotFound = Self(rawValue: "OBJECT_NOT_FOUND")
    public static let objectCorrupt = Self(rawValue: "OBJECT_CORRUPT")
    public static let objectTruncated = Self(rawValue: "OBJECT_TRUNCATED")
    public static let objectMalformed = Self(rawValue: "OBJECT_MALFORMED")
    public static let objectUnreadable = Self(rawValue: "OBJECT_UNREADABLE")
    public static let objectTooLarge = Self(rawValue: "OBJECT_TOO_LARGE")
    public static let invalidKind = Self(rawValue: "INVALID_KIND")
    // Input files
    public static let inputNotFound = Self(rawValue: "INPUT_NOT_FOUND")
    public static let inputUnreadable = Self(rawValue: "INPUT_UNREADABLE")
    public static let inputNotRegular = Self(rawValue: "INPUT_NOT_REGULAR_FILE")
    public static let symlinkLoop = Self(rawValue: "INPUT_SYMLINK_LOOP")
    public static let duplicatePath = Self(rawValue: "INPUT_DUPLICATE_PATH")
    public static let inputChanged = Self(rawValue: "INPUT_CHANGED_WHILE_READ")
    public static let inputInsideArchive = Self(rawValue: "INPUT_INSIDE_ARCHIVE")
    public static let invalidManifest = Self(rawValue: "INVALID_MANIFEST")
    // Environment
    public static let diskFull = Self(rawValue: "DISK_FULL")
    public static let fileTooLarge = Self(rawValue: "FILE_SIZE_LIMIT")
    public static let ioError = Self(rawValue: "IO_ERROR")
    public static let indexError = Self(rawValue: "INDEX_ERROR")
    public static let internalError = Self(rawValue: "INTERNAL_ERROR")
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
