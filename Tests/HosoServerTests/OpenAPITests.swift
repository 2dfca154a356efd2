import Foundation
import HTTPTypes
import HosoAccounts
import HosoServer
import HosoTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Schemas/openapi.yaml is a valid OpenAPI 3.1 document, and it describes exactly the /api routes the server has.
@Suite struct OpenAPITests {
    static let document = repoRoot + "/Schemas/openapi.yaml"

    /// The document's operations as "METHOD /path" (`{name}` for a parameter, as Hummingbird writes it). The document is ours and
    /// written in one layout (paths at two spaces, methods at four), so its lines are read without a YAML library.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOfFile: document, encoding: .utf8)
        var ops = Set<String>()
        var path: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.hasPrefix(" "), !line.isEmpty {
                inPaths = false
                continue
            }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let p = path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "delete", "patch"].contains(key) { ops.insert("\(key.uppercased()) \(p)") }
            }
        }
        return ops
    }

    @Test func theDocumentIsValidOpenAPI() throws {
        let validator = pythonTool("openapi-spec-validator")
        try #require(
            FileManager.default.isExecutableFile(atPath: validator),
            "openapi-spec-validator is missing: tools/setup installs it into .build-py")
        let r = try runProgram(validator, [Self.document])
        #expect(r.status == 0, "\(r)")
        #expect(r.output.contains("OK"), "\(r)")
    }

    @Test func everyAPIRouteIsDocumentedAndEveryDocumentedRouteIsServed() async throws {
        let fx = try Fixture()
        let router = try HosoServer.router(config: fx.config)
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" }.filter { $0.split(separator: " ")[1].hasPrefix("/api/") })
        let documented = try Self.documented()
        #expect(documented.count >= 20, "the document was read: \(documented.sorted())")
        #expect(served.subtracting(documented).isEmpty, "served but not in openapi.yaml: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "in openapi.yaml but not served: \(documented.subtracting(served).sorted())")
        // And each answers as a route (never "no such route"): without a session 401, the public ones 200 or 400.
        try await Application(router: router).test(.router) { client in
            for op in documented.sorted() {
                let parts = op.split(separator: " ")
                let uri = String(parts[1]).replacingOccurrences(of: #"\{[a-z]+\}"#, with: "x", options: .regularExpression)
                let r = try await client.execute(
                    uri: uri, method: HTTPRequest.Method(String(parts[0]))!, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}"))
                #expect(r.status != .notFound && r.status != .methodNotAllowed, "\(op) → \(r.status)")
                #expect([.unauthorized, .badRequest, .ok].contains(r.status), "\(op) → \(r.status)")
            }
        }
    }
}
