import CHosoSys
import Foundation
import HosoKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One child per kind started ahead of its work (`hoso internal-check --spare`): it has loaded the program and opened
/// the archive while nobody waited, and then checks exactly one upload, as a child started for it would. Starting the
/// program and opening the archive are most of a check's time (about 75 of 90 ms for a copy's PDF).
final class SpareChildren: Sendable {
    struct Spare: Sendable {
        var pid: Int32
        var toChild: Int32
        var fromChild: Int32
    }

    let limits: PublicLimits
    let checker: String
    let archivePath: String
    private let spares = Mutex<[ChildCheck.Kind: Spare]>([:])

    init(limits: PublicLimits, checker: String, archivePath: String) {
        self.limits = limits
        self.checker = checker
        self.archivePath = archivePath
    }

    deinit { for s in spares.withLock({ Array($0.values) }) { Self.discard(s) } }

    /// The waiting child of this kind (a new one if there is none), and another started to wait in its place.
    func take(_ kind: ChildCheck.Kind) throws -> Spare {
        let found = spares.withLock { $0.removeValue(forKey: kind) }
        let taken = try found ?? start(kind)
        if let next = try? start(kind),
            let old = spares.withLock({ m in
                defer { m[kind] = next }
                return m[kind]
            })
        {
            Self.discard(old)
        }
        return taken
    }

    private func start(_ kind: ChildCheck.Kind) throws -> Spare {
        let argv = [checker, "internal-check", "--kind", kind.rawValue, "--archive", archivePath, "--spare"]
        var s = Spare(pid: 0, toChild: -1, fromChild: -1)
        let rc = ChildCheck.withCStrings(argv) { a in
            ChildCheck.withCStrings(ChildCheck.environment(limits)) { e in
                hoso_spawn_limited(
                    checker, a, e, -1, limits.checkCPUSeconds, limits.checkMemoryBytes,
                    Int32(kind == .qrImage ? limits.photoNice : limits.checkNice), &s.pid, &s.toChild, &s.fromChild)
            }
        }
        guard rc == 0 else { throw ChildCheck.failed("cannot start \(checker): errno \(errno)") }
        return s
    }

    /// Ends a child that will not be used: without input it would exit by itself; killing it is quicker to reap.
    static func discard(_ s: Spare) {
        close(s.toChild)
        close(s.fromChild)
        kill(s.pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(s.pid, &status, 0) < 0 && errno == EINTR {}
    }
}
