import Foundation
import HosoAccounts
import HosoServer
import HosoTestSupport
import Testing

/// The access log's promise: a read that was answered is in the log, even if the server is killed the next instant.
/// The built `hoso serve` answers many public verifications at once and is killed with SIGKILL while answering; every
/// answer the client got must have its entry in server.sqlite.
@Suite struct CrashTests {
    @Test func everyAnsweredReadIsInTheAccessLogAfterSIGKILL() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl is needed")
        let fx = try Fixture()
        let started = try ServerProcess(
            hosoBinary,
            [
                "--archive", fx.archivePath, "serve", "--port", "0", "--public-burst", "100000", "--public-rate", "100000",
                "--public-queue", "1000",
            ])
        let (server, url) = (started.process, started.url)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }

        // 600 verifications of copy numbers 1/2026 … 600/2026, 16 at a time; curl writes each status with its number
        // to a file as it arrives. Each number is in its log entry's target, so answers and entries pair one to one.
        let codes = fx.dir.path + "/codes.txt"
        _ = FileManager.default.createFile(atPath: codes, contents: nil)
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var args = ["--silent", "--parallel", "--parallel-max", "16"]
        for i in 1...600 {
            if i > 1 { args.append("--next") }
            args += [
                "--max-time", "3600", "-X", "POST", "-H", "Content-Type: application/json",
                "-d", #"{"number":"\#(i)/2026","serial":"A0000001"}"#, "--write-out", "%{stderr}%{http_code} \(i)\n",
                "--output", "/dev/null", "\(url)/api/verify",
            ]
        }
        client.arguments = args
        client.standardOutput = FileHandle.nullDevice
        client.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: codes))
        try launch(client)
        // Kill the server once answers are arriving, in the middle of the stream.
        // No deadline in seconds: a busy machine answers slowly, and curl ends by itself after the last request.
        while client.isRunning {
            let answered =
                (try? String(contentsOfFile: codes, encoding: .utf8))?.split(separator: "\n").filter { $0.hasPrefix("200 ") }.count ?? 0
            if answered >= 40 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        client.waitUntilExit()

        let answered = Set(
            try String(contentsOfFile: codes, encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix("200 ") }.map { "copy:\($0.dropFirst(4))/2026" })
        #expect(answered.count >= 40, "answers arrived before the kill")
        #expect(answered.count < 600, "the kill came while requests were still being answered (\(answered.count) answered)")
        let logged = Set(
            try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, cost: Fixture.cost)
                .auditLog(limit: 10_000, actor: "public").filter { $0.action == "verify" }.map(\.target))
        #expect(answered.subtracting(logged).isEmpty, "answered but not in the access log: \(answered.subtracting(logged).sorted())")
        #expect(try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, cost: Fixture.cost).checkAuditChain().intact)
    }
}
