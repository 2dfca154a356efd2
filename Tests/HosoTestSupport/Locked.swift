import Foundation

/// A value that threads started by a test (`concurrentPerform`, servers' handlers) fill in together, under a lock.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: Value

    /// Holds `value`.
    public init(_ value: Value) { stored = value }

    /// Runs `body` on the value with the lock held.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    /// The value as it is now.
    public var value: Value { withLock { $0 } }
}
