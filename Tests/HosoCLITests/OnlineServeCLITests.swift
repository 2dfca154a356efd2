import Foundation
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hoso serve --online-pow-bits`: the online form asks for the difficulty given; out of range is refused at start;
/// the form's route takes a proof larger than other forms, and no more than its limit.
@Suite struct OnlineServeCLITests {
    @Test func theDifficultyIsAnOptionAndTheFormHasItsOwnBodyLimit() throws {
        try withSandbox { box in
            try box.initArchive()
            let refused = try box.hoso(["serve", "--archive", box.path(Sandbox.archive), "--port", "0", "--online-pow-bits", "4"])
            #expect(refused.status != 0 && String(decoding: refused.stderr, as: UTF8.self).contains("--online-pow-bits"))
            let started = try ServerProcess(
                hosoBinary, ["serve", "--archive", box.path(Sandbox.archive), "--port", "0", "--online-pow-bits", "20"], in: box.root,
                environment: cleanEnvironment)
            defer {
                kill(started.process.processIdentifier, SIGTERM)
                started.process.waitUntilExit()
            }
            let port = try #require(started.url.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) })
            let page = try exchange(port, "GET /online HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(page.hasPrefix("HTTP/1.1 200") && page.contains("data-pow-bits=\"20\""))
            // 2 MiB is more than any other form takes (1 MiB), and within the form's limit: read, then refused for
            // its missing proof of work (400), not for its size.
            let body = String(repeating: "a", count: 2 << 20)
            let big = try exchange(
                port,
                "POST /online HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + body)
            #expect(big.hasPrefix("HTTP/1.1 400"), "\(big.prefix(80))")
            let over = try exchange(
                port,
                "POST /online HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nContent-Length: \(8 << 20)\r\n\r\n"
            )
            #expect(over.hasPrefix("HTTP/1.1 413"), "\(over.prefix(80))")
        }
    }
}
