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
    /// Time the measuring threads were runnable but waited for a CPU (other processes had it), from the kernel's
    /// per-thread schedstat; nil where it cannot be read.
    var runQueueSeconds: Double? = nil
    var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    /// Operations per CPU-second of the measuring threads (how fast the code is, whatever else runs).
    var perCPUSecond: Double { cpuSeconds > 0 ? Double(operations) / cpuSeconds : 0 }
    var msPerOperation: Double { operations > 0 ? 1000 * seconds * Double(threads) / Double(operations) : 0 }
    /// Thread time neither on a CPU nor waiting for one: blocked on a lock, the disk or a sleep. Near zero when
    /// nothing the threads share holds them up, however loaded the machine is.
    var blockedSeconds: Double? { runQueueSeconds.map { max(0, seconds * Double(threads) - cpuSeconds - $0) } }

    func json() -> [String: Any] {
        var j: [String: Any] = [
            "threads": threads, "operations": operations, "seconds": seconds, "cpu_seconds": cpuSeconds,
            "per_second": perSecond, "per_cpu_second": perCPUSecond, "ms_per_operation_per_thread": msPerOperation,
        ]
        j["run_queue_seconds"] = runQueueSeconds
        j["blocked_seconds"] = blockedSeconds
        return j
    }
}

/// The calling thread's time spent runnable but waiting for a CPU, in nanoseconds (Linux schedstat's second
/// field); nil where the kernel does not give it.
func threadRunQueueNanoseconds() -> UInt64? {
    guard let text = try? String(contentsOfFile: "/proc/thread-self/schedstat", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    return fields.count >= 2 ? UInt64(fields[1]) : nil
}

/// Runs `body(thread, index)` on `threads` threads; the threads take indexes 0, 1, 2, … from a shared counter
/// until `next` says stop (nil). Returns operations, wall time and the threads' CPU time.
func parallel(threads: Int, next: @escaping @Sendable () -> Int?, body: @escaping @Sendable (Int, Int) throws -> Void) throws -> Measurement
{
    let errors = Shared<[String]>([])
    let counts = Shared<(ops: Int, cpu: UInt64, wait: UInt64?)>((0, 0, 0))
    let t0 = now()
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let w0 = threadRunQueueNanoseconds()
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
        let w1 = threadRunQueueNanoseconds()
        counts.with {
            $0.ops += ops
            $0.cpu += c
            if let w0, let w1, let sum = $0.wait { $0.wait = sum + (w1 &- w0) } else { $0.wait = nil }
        }
    }
    let wall = Double(now() - t0) / 1e9
    if let e = errors.with({ $0.first }) { throw BenchFailure(message: e) }
    let (ops, cpu, wait) = counts.with { $0 }
    return Measurement(
        threads: threads, operations: ops, seconds: wall, cpuSeconds: Double(cpu) / 1e9, runQueueSeconds: wait.map { Double($0) / 1e9 })
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
