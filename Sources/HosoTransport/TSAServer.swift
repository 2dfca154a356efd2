import Foundation
import HosoCore
import HosoSigning

/// An RFC 3161 time-stamping service over HTTP (RFC 3161 §3.4): `POST /` or `POST /tsa` with
/// `Content-Type: application/timestamp-query`, answered with `application/timestamp-reply`.
/// Bound to 127.0.0.1 unless told otherwise; HTTPS when given `tls`.
public final class TSAServer: Sendable {
    public let authority: TimeStampAuthority
    private let http: HTTPService
    /// A TimeStampReq is a few hundred bytes; this leaves room for extensions and a certificate request.
    public static let maxBody = 64 * 1024

    public init(
        authority: TimeStampAuthority, host: String = "127.0.0.1", port: UInt16 = 0, limits: ListenerLimits = ListenerLimits(),
        tls: TLSFiles? = nil
    ) {
        self.authority = authority
        let route = HTTPService.Route(maxBody: Self.maxBody) { [authority] request in Self.handle(request, authority: authority) }
        http = HTTPService(host: host, port: port, limits: limits, tls: tls) { path in
            path == "/" || path == "/tsa" ? route : nil
        }
    }

    /// Starts listening and serving; returns the port (useful when `port` was 0).
    @discardableResult
    public func start() throws -> UInt16 { try http.start() }

    /// Stops accepting, lets requests in flight finish (a few seconds at most) and closes the socket.
    public func stop() { http.stop() }

    /// `http://host:port/` once started.
    public var url: String? { http.url }

    static func handle(_ request: HTTPService.Request, authority: TimeStampAuthority) -> HTTPService.Response {
        guard request.method == "POST" else { return .error(405, headers: [("Allow", "POST")]) }
        guard request.contentType == "application/timestamp-query" else { return .error(415) }
        // RFC 3161 clients send the length; a POST with neither length nor chunks carries no query at all.
        guard request.headers["content-length"] != nil || request.headers["transfer-encoding"] != nil else { return .error(411) }
        // Even a malformed body gets a TimeStampResp (status rejection): that is the protocol's own error channel.
        return HTTPService.Response(
            status: 200, contentType: "application/timestamp-reply",
            body: authority.respond(to: request.body))
    }
}
