import Foundation
import HosoCore
import HosoHub
import HosoTestSupport
import Testing

@testable import HosoKit

#if canImport(Glibc)
import Glibc
#endif

/// The built `hoso` against the hub: `reindex` and `fsck --database`, and `serve --database` answering the public
/// verification of a copy issued on the hub.
@Suite struct HubServeTests {
    /// The runner's environment without hoso's variables, so only what the test says counts.
    static var environment: [String: String] { ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HOSO_") } }

    @Test func theCommandLineWorksOnTheHub() throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let b = try BackendArchive(.hub)
        let s = try b.fixture()
        let request = try HubArchiveTests.request(s.archive)
        let copy = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: request, signer: s.office, clerk: "vanthu")
        let root = s.archive.root
        let db = try #require(b.database)

        let reindex = try runProgram(hosoBinary, ["reindex", "--archive", root, "--database", db, "--json"], environment: Self.environment)
        #expect(reindex.status == 0, "\(reindex)")
        #expect(reindex.out.contains("\"objects\""), "\(reindex)")
        // $HOSO_DATABASE stands for --database.
        var env = Self.environment
        env["HOSO_DATABASE"] = db
        let fsck = try runProgram(hosoBinary, ["fsck", "--archive", root, "--json"], environment: env)
        #expect(fsck.status == 0, "\(fsck)")
        #expect(fsck.out.contains("\"ok\":true") || fsck.out.contains("\"ok\" : true"), "\(fsck)")
        #expect(try s.archive.copyRegister().count == 1, "the reindex kept the register")
        // Without the database, the server's folder is refused rather than shown as an empty archive.
        let bare = try runProgram(hosoBinary, ["ls", "--archive", root], environment: Self.environment)
        #expect(bare.status != 0 && bare.err.contains("--database"), "\(bare)")

        let served = try ServerProcess(
            hosoBinary, ["serve", "--database", db, "--port", "0", "--no-ocr", root], environment: Self.environment)
        defer {
            kill(served.process.processIdentifier, SIGTERM)
            served.process.waitUntilExit()
        }
        let port = try #require(served.url.split(separator: ":").last.flatMap { UInt16($0.prefix { $0.isNumber }) })
        let boundary = "hosoHubBoundary"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"ban-sao.pdf\"\r\n".utf8)
        body += Array("Content-Type: application/pdf\r\n\r\n".utf8) + copy.pdf + Array("\r\n--\(boundary)--\r\n".utf8)
        let head =
            "POST /verify HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
        let answer = try RawConnection.exchange(port: port, Array(head.utf8) + body)
        let page = String(decoding: answer.body, as: UTF8.self)
        #expect(answer.status == 200, "\(answer.head)")
        #expect(page.contains("data-indication=\"PASSED\""), "\(page.prefix(2000))")
        #expect(page.contains(copy.register.printedNumber))

        // The upload was checked in the sandboxed child, as on a folder archive: a child given too little memory to
        // start cannot check it, and the server says so (in the server's own process it would have passed).
        let starved = try ServerProcess(
            hosoBinary, ["serve", "--database", db, "--port", "0", "--no-ocr", "--check-memory", "16", root],
            environment: Self.environment)
        defer {
            kill(starved.process.processIdentifier, SIGTERM)
            starved.process.waitUntilExit()
        }
        let starvedPort = try #require(starved.url.split(separator: ":").last.flatMap { UInt16($0.prefix { $0.isNumber }) })
        let refused = String(decoding: try RawConnection.exchange(port: starvedPort, Array(head.utf8) + body).body, as: UTF8.self)
        #expect(
            refused.contains("Không kiểm tra được tệp này") && !refused.contains("data-indication=\"PASSED\""), "\(refused.prefix(2000))")
    }
}
