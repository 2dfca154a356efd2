import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One synchronous HTTP POST (or GET) (URLSession underneath), for hoso's small clients: the TSA client, the sync
/// client and the signing agent.
/// Callers turn `Failure` into their own errors.
public enum HTTPPost {
    public struct Reply: Sendable {
        public var status: Int
        /// The value of a header, whatever its case.
        public var header: @Sendable (String) -> String?
        public var body: [UInt8]
    }

    public enum Failure: Error {
        case timedOut
        case network(String)
        case noHTTPReply
    }

    public static func send(
        _ url: URL, method: String = "POST", body: [UInt8], headers: [(String, String)], timeout: TimeInterval
    ) throws(Failure) -> Reply {
        var r = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        r.httpMethod = method
        for (name, value) in headers { r.setValue(value, forHTTPHeaderField: name) }
        if method != "GET" { r.httpBody = Data(body) }
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: config)
        defer { session.invalidateAndCancel() }

        let result = Outcome()
        let task = session.dataTask(with: r) { data, response, error in result.set(data, response, error) }
        task.resume()
        guard result.wait(timeout: timeout + 5) else {
            task.cancel()
            throw .timedOut
        }
        let (data, response, error) = result.value
        if let error { throw .network(error.localizedDescription) }
        guard let http = response as? HTTPURLResponse else { throw .noHTTPReply }
        let fields = http.allHeaderFields.reduce(into: [String: String]()) { out, kv in
            if let k = kv.key as? String, let v = kv.value as? String { out[k.lowercased()] = v }
        }
        return Reply(status: http.statusCode, header: { fields[$0.lowercased()] }, body: [UInt8](data ?? Data()))
    }

    /// What a URLSession task delivered, handed from its completion handler to the waiting thread.
    private final class Outcome: Sendable {
        private struct State {
            var stored: (Data?, URLResponse?, (any Error)?) = (nil, nil, nil)
        }
        private let state = Mutex(State())
        private let done = DispatchSemaphore(value: 0)

        func set(_ data: Data?, _ response: URLResponse?, _ error: (any Error)?) {
            state.withLock { $0.stored = (data, response, error) }
            done.signal()
        }

        func wait(timeout: TimeInterval) -> Bool { done.wait(timeout: .now() + timeout) == .success }
        var value: (Data?, URLResponse?, (any Error)?) { state.withLock { $0.stored } }
    }
}
