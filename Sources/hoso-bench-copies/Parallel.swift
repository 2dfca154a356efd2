// Measuring on several threads: a locked shared value, the threads' operations, wall and CPU time.
import Foundation
import HosoBenchSupport
import Synchronization

/// A value shared by the measuring threads; every access holds the lock.
final class Shared<T: Sendable>: Sendable {
    private let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
    func with<R: Sendable, E: Error>(_ body: (inout T) throws(E) -> R) throws(E) -> R {
        try value.withLock { (v) throws(E) -> R in try body(&v) }
    }
}

/// One measurement: operations, wall time, CPU time of the measuring threads.
struct Measurement: Codable {
    var threads: Int
    var operations: Int
    var seconds: Double
    var cpuSeconds: Double
    var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    /// Operations per CPU-second of the measuring threads (how fast the code is, whatever else runs).
    var perCPUSecond: Double { cpuSeconds > 0 ? Double(operations) / cpuSeconds : 0 }
    var msPerOperation: Double { operations > 0 ? 1000 * seconds * Double(threads) / Double(operations) : 0 }

    func json() -> [String: Any] {
        [
            "threads": threads, "operations": operations, "seconds": seconds, "cpu_seconds": cpuSeconds,
            "per_second": perSecond, "per_cpu_second": perCPUSecond, "ms_per_operation_per_thread": msPerOperation,
        ]
    }
}

/// Runs `body(thread, index)` on `threads` threads; the threads take indexes 0, 1, 2, … from a shared counter
/// until `next` says stop (nil). Returns operations, wall time and the threads' CPU time.
func parallel(threads: Int, next: @escaping @Sendable () -> Int?, body: @escaping @Sendable (Int, Int) throws -> Void) throws -> Measurement
{
    let errors = Shared<[String]>([])
    let counts = Shared<(ops: Int, cpu: UInt64)>((0, 0))
    let t0 = now()
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let c0 = threadCPUNanoseconds()
        var ops = 0
        while let i = next() {
            do {
                try body(t, i)
                ops += 1
            } catch {
                errors.with { $0.append("\(error)") }
                break
            }
        }
        let c = threadCPUNanoseconds() - c0
        counts.with {
            $0.ops += ops
            $0.cpu += c
        }
    }
    let wall = Double(now() - t0) / 1e9
    if let e = errors.with({ $0.first }) { throw BenchFailure(message: e) }
    let (ops, cpu) = counts.with { $0 }
    return Measurement(threads: threads, operations: ops, seconds: wall, cpuSeconds: Double(cpu) / 1e9)
}

/// A `next` for `parallel` that hands out 1, 2, … `total`, then stops.
func counting(to total: Int) -> @Sendable () -> Int? {
    let counter = Shared(0)
    return {
        counter.with { c in
            guard c < total else { return nil }
            c += 1
            return c
        }
    }
}
