import ArgumentParser
import Foundation
import HosoHub
import HosoKit
import HosoServer
import Synchronization

extension ChildCheck.Kind: ExpressibleByArgument {}

/// `hoso internal-check`: the child process in which `hoso serve` checks an uploaded file (`ChildCheck`). Hidden: it
/// is not for people. It reads the upload on stdin and prints one JSON answer; the server set its limits.
struct InternalCheck: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "internal-check", abstract: "Checks one upload for hoso serve (internal).", shouldDisplay: false)
    }
    @OptionGroup var global: GlobalOptions
    @Option(name: .long) var kind: ChildCheck.Kind
    /// The server's time, so that the child judges signatures at the same instant (tests fix it).
    @Option(name: .long) var now: String?
    /// Started ahead of its work: opens the archive first, then reads "TIME PATH" on stdin and checks that file.
    @Flag(name: .long) var spare = false

    func run() throws {
        if spare { return try runSpare() }
        guard let date = now.flatMap(HosoClock.parse) else { throw ValidationError("--now: ISO 8601") }
        // The server's upload limit, plus one byte to notice more.
        let input = try FileHandle.standardInput.read(upToCount: Self.maxUpload + 1) ?? Data()
        guard input.count <= Self.maxUpload else { throw ValidationError("upload too large") }
        let archive = kind == .pdf ? try openArchive(clock: .fixed(date)) : nil
        let answer = try ChildCheck.answer(kind: kind, input: Array(input), archivePath: global.archivePath, now: date, opened: archive)
        FileHandle.standardOutput.write(answer)
    }

    /// The archive read-only: the folder's, or on the hub the database the server named in the environment.
    func openArchive(clock: HosoClock) throws -> Archive {
        if let database = ProcessInfo.processInfo.environment[ChildCheck.databaseVariable], !database.isEmpty {
            return try Hub.openReader(root: global.archivePath, database: database, clock: clock)
        }
        return try Archive.open(at: global.archivePath, clock: clock, access: .readOnly)
    }

    /// The server has held the upload to its own limit (--max-verify-upload-mib); this only bounds a misuse.
    static let maxUpload = BodyLimits.ceiling

    func runSpare() throws {
        let when = SpareTime()
        let archive =
            kind == .pdf ? try openArchive(clock: HosoClock { when.date.withLock { $0 } }) : nil
        let line = String(decoding: try FileHandle.standardInput.read(upToCount: 4096) ?? Data(), as: UTF8.self)
        let parts = line.trimmingCharacters(in: .newlines).split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, let date = HosoClock.parse(parts[0]) else { throw ValidationError("expected: TIME PATH") }
        when.date.withLock { $0 = date }
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: parts[1])).read(upToCount: Self.maxUpload + 1) ?? Data()
        guard input.count <= Self.maxUpload else { throw ValidationError("upload too large") }
        let answer = try ChildCheck.answer(kind: kind, input: Array(input), archivePath: global.archivePath, now: date, opened: archive)
        FileHandle.standardOutput.write(answer)
    }
}

/// The spare's "now", known only once its upload comes.
final class SpareTime: Sendable {
    let date = Mutex(Date())
}
