import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A lock held by one thread among this process's and every other hoso process's on the archive: a flock on a file
/// opened anew excludes other processes, a lock in memory keeps this process's threads from queueing on the file.
/// Re-entrant on the thread that holds it, so a write made inside another runs inside it instead of waiting for itself.
package final class WriteLock: Sendable {
    private let inProcess = Mutex(())
    /// The thread holding `inProcess`.
    private let holder = Mutex<pthread_t?>(nil)
    /// The file other processes lock.
    package let path: String

    package init(path: String) { self.path = path }

    /// Runs `body` holding the lock; `body` learns whether it is the outermost call on this thread.
    package func run<T>(_ body: (_ outermost: Bool) throws -> T) throws -> T {
        let me = pthread_self()
        if holder.withLock({ $0.map { pthread_equal($0, me) != 0 } ?? false }) { return try body(false) }
        return try inProcess.withLock { _ in
            let fileLock = try ArchiveLock(path: path, mode: .exclusive, wait: true)
            holder.withLock { $0 = me }
            defer {
                holder.withLock { $0 = nil }
                withExtendedLifetime(fileLock) {}
            }
            return try body(true)
        }
    }
}
