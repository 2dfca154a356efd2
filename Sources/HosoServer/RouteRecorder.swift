import HTTPTypes
import Hummingbird

/// The router, noting the method and path of each route as it is added (through any group), so that a test can try
/// every route for its role and CSRF protection.
final class RouteRecorder: RouterMethods {
    typealias Context = HosoContext
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var description: String { "\(method) \(path)" }
    }

    let router: Router<HosoContext>
    private(set) var routes: [Route] = []

    init(_ router: Router<HosoContext>) { self.router = router }

    @discardableResult func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == HosoContext {
        routes.append(Route(method: method, path: path.description))
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, HosoContext>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}
