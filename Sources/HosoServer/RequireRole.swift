import HosoAccounts
import HosoKit
import Hummingbird

/// Lets through only a signed-in account with one of `roles`: 401 without a session, 403 with another role. Routes
/// are added to a group with this middleware (`router.group().add(middleware: RequireRole(...))`), never checked in
/// their handlers; `HosoContext.signedIn()` then gives the handler its session.
struct RequireRole: RouterMiddleware {
    typealias Context = HosoContext
    let roles: Set<Role>

    init(_ roles: Set<Role>) { self.roles = roles }

    /// Any signed-in account.
    static let anyone = RequireRole(Set(Role.allCases))

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        guard let session = context.session else {
            throw HosoError(.notAuthenticated, .both("Cần đăng nhập", "Please sign in"))
        }
        guard roles.contains(session.user.role) else {
            throw HosoError(
                .forbidden, .both("Tài khoản không có quyền làm việc này", "This account may not do this"),
                location: session.user.role.rawValue)
        }
        return try await next(request, context)
    }
}

extension HosoContext {
    /// The session a `RequireRole` group let through. Throws (401) only for a handler registered outside such a
    /// group, a mistake `RouteProtectionTests` finds.
    func signedIn() throws -> Session {
        guard let session else { throw HosoError(.notAuthenticated, .both("Cần đăng nhập", "Please sign in")) }
        return session
    }
}
