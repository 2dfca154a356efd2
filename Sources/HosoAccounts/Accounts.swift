import Foundation
import GRDB
import HosoCore

extension HosoError.Code {
    public static let userNotFound = Self("USER_NOT_FOUND", .notFound)
    public static let userExists = Self("USER_EXISTS", .conflict)
    public static let badUserInput = Self("BAD_USER_INPUT", .badInput)
    public static let loginFailed = Self("LOGIN_FAILED", .unauthenticated)
}

/// The people who use the web application. One role per account; an admin manages accounts and reads the audit log.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, registrar, clerk, teacher, principal
    case officeHead = "office-head"

    public var title: LocalizedText {
        switch self {
        case .admin: return .both("Quản trị", "Administrator")
        case .registrar: return .both("Cán bộ văn bằng", "Registrar")
        case .clerk: return .both("Văn thư / một cửa", "Clerk")
        case .teacher: return .both("Giáo viên", "Teacher")
        case .principal: return .both("Hiệu trưởng", "Principal")
        case .officeHead: return .both("Trưởng phòng", "Office head")
        }
    }
}

public struct User: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "user"
    public var name: String
    public var displayName: String
    public var role: Role
    public var passwordHash: String
    public var createdAt: String
    public var disabled: Bool
    /// The person record this account acts as (by record id, never by display name): what a teacher or principal
    /// may see and sign follows that person's assignments. Nil for accounts not linked yet.
    public var person: String?
    /// Set by an admin's reset: the account signs in with the temporary password and may do nothing but choose a
    /// new one (`ServerStore.changeOwnPassword`) until it has.
    public var mustChangePassword: Bool = false

    public init(
        name: String, displayName: String, role: Role, passwordHash: String, createdAt: String, disabled: Bool,
        person: String? = nil, mustChangePassword: Bool = false
    ) {
        self.name = name
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabled = disabled
        self.person = person
        self.mustChangePassword = mustChangePassword
    }
}

struct SessionRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
    var tokenHash: String
    var userName: String
    var csrf: String
    var createdAt: Double
    var expiresAt: Double
    var lastSeenAt: Double
}

public struct Session: Sendable {
    public var user: User
    public var csrf: String

    public init(user: User, csrf: String) {
        self.user = user
        self.csrf = csrf
    }
}
