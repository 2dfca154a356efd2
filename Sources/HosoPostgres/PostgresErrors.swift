import HosoCore
import PostgresNIO

extension HosoError.Code {
    // The province hub's PostgreSQL
    public static let postgresURLInvalid = Self("POSTGRES_URL_INVALID", .badInput)
    /// No server answered, or the connection was lost (a primary that died, a network cut).
    public static let postgresUnreachable = Self("POSTGRES_UNREACHABLE", .io)
    /// The server refused the user or its password.
    public static let postgresAuthFailed = Self("POSTGRES_AUTH_FAILED", .io)
    /// A write reached a hot standby (or a database set read-only): writes go to the primary.
    public static let postgresReadOnly = Self("POSTGRES_READ_ONLY", .io)
    /// Two transactions clashed (serialization failure, deadlock); the transaction is run again, and this code is
    /// what remains when it still clashed after its retries.
    public static let postgresRetry = Self("POSTGRES_SERIALIZATION_FAILURE", .busy)
    /// The server refused a statement for want of a privilege (SQLSTATE 42501): the application role may not
    /// change history nor the schema.
    public static let postgresPermissionDenied = Self("POSTGRES_PERMISSION_DENIED", .io)
    /// Schema steps are missing and this account may not apply them: `hoso hub init` must run first.
    public static let postgresSchemaOutdated = Self("POSTGRES_SCHEMA_OUTDATED", .io)
    /// The TLS handshake with the server failed (no TLS on the server, an unknown CA, a name that does not match).
    public static let postgresTLS = Self("POSTGRES_TLS_FAILED", .io)
    /// `hoso hub init` was given role names that clash or are empty.
    public static let postgresRolesInvalid = Self("POSTGRES_ROLES_INVALID", .badInput)
    /// Any other failure the server reported.
    public static let postgresError = Self("POSTGRES_ERROR", .io)
}

extension HosoError {
    /// Maps what postgres-nio throws (or anything else that reached a database call) to hoso's codes. The SQLSTATE
    /// decides for errors the server sent; the kind of failure for the client's own.
    public static func postgres(_ error: any Error, location: String) -> HosoError {
        if let e = error as? HosoError { return e }
        guard let e = error as? PSQLError else {
            // Connecting failed below postgres-nio (a refused or reset socket).
            return HosoError(.postgresUnreachable, unreachableText, location: location, cause: "\(error)")
        }
        switch e.code {
        case .server:
            let state = e.serverInfo?[.sqlState] ?? ""
            let message = e.serverInfo?[.message] ?? ""
            let cause = "SQLSTATE \(state): \(message)"
            switch state {
            case "28P01", "28000":
                return HosoError(.postgresAuthFailed, authText, location: location, cause: cause)
            case "25006":
                return HosoError(
                    .postgresReadOnly,
                    LocalizedText(
                        vi: "Máy chủ PostgreSQL này chỉ đọc (máy dự phòng): việc ghi phải tới máy chính",
                        en: "This PostgreSQL server is read-only (a standby): writes must go to the primary"),
                    location: location, cause: cause)
            case "40001", "40P01":
                return HosoError(
                    .postgresRetry,
                    LocalizedText(
                        vi: "Hai giao dịch xung đột trong PostgreSQL; hãy thử lại",
                        en: "Two transactions clashed in PostgreSQL; try again"),
                    location: location, cause: cause)
            case "42501":
                return HosoError(
                    .postgresPermissionDenied,
                    LocalizedText(
                        vi: "PostgreSQL từ chối: tài khoản này không có quyền làm việc đó",
                        en: "PostgreSQL refused: this account has no right to do that"),
                    location: location, cause: cause)
            case "53100":
                return HosoError(
                    .diskFull,
                    LocalizedText(vi: "Máy chủ PostgreSQL hết chỗ trên đĩa", en: "The PostgreSQL server ran out of disk space"),
                    location: location, cause: cause)
            case "57P01", "57P02", "57P03", "08000", "08003", "08006":
                return HosoError(.postgresUnreachable, unreachableText, location: location, cause: cause)
            default:
                return HosoError(
                    .postgresError,
                    LocalizedText(vi: "PostgreSQL báo lỗi", en: "PostgreSQL reported an error"),
                    location: location, cause: cause)
            }
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return HosoError(.postgresAuthFailed, authText, location: location, cause: "\(e.code)")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            let under = e.underlying.map { ": \($0)" } ?? ""
            return HosoError(.postgresUnreachable, unreachableText, location: location, cause: "\(e.code)\(under)")
        default:
            return HosoError(
                .postgresError, LocalizedText(vi: "PostgreSQL báo lỗi", en: "PostgreSQL reported an error"),
                location: location, cause: "\(e.code)")
        }
    }

    static let unreachableText = LocalizedText(
        vi: "Không kết nối được tới PostgreSQL (máy chủ không trả lời hoặc đã ngắt kết nối)",
        en: "Cannot reach PostgreSQL (the server does not answer or closed the connection)")
    private static let authText = LocalizedText(
        vi: "PostgreSQL từ chối người dùng hoặc mật khẩu", en: "PostgreSQL refused the user or the password")
}
