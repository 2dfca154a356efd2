import ArgumentParser
import Foundation
import HosoKit
import HosoServer

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
    @Option(name: .long) var now: String

    func run() throws {
        guard let date = HosoClock.parse(now) else { throw ValidationError("--now: ISO 8601") }
        // The server's upload limit, plus one byte to notice more.
        let input = try FileHandle.standardInput.read(upToCount: (25 << 20) + 1) ?? Data()
        guard input.count <= 25 << 20 else { throw ValidationError("upload too large") }
        let answer = try ChildCheck.answer(kind: kind, input: Array(input), archivePath: global.archivePath, now: date)
        FileHandle.standardOutput.write(answer)
    }
}
