// Timing one operation back to back for a fixed time, and the table rows hoso-bench-signing prints.
import HosoBenchSupport

struct Measurement: Codable {
    var ops: Int
    var seconds: Double
    var perSecond: Double
    var meanUs: Double
    var p50Us: Double
    var p99Us: Double
    /// CPU time this thread used while measuring, the rate per CPU-second, and the share of a CPU it got.
    var cpuSeconds: Double
    var perCPUSecond: Double
    var cpuShare: Double

    init(latencies: [UInt64], ns: UInt64, cpuNs: UInt64) {
        ops = latencies.count
        seconds = Double(ns) / 1e9
        perSecond = seconds > 0 ? Double(ops) / seconds : 0
        cpuSeconds = Double(cpuNs) / 1e9
        perCPUSecond = cpuSeconds > 0 ? Double(ops) / cpuSeconds : 0
        cpuShare = seconds > 0 ? cpuSeconds / seconds : 0
        meanUs = ops > 0 ? Double(ns) / 1e3 / Double(ops) : 0
        let sorted = Percentiles(latencies)
        p50Us = sorted.us(0.50)
        p99Us = sorted.us(0.99)
    }
}

/// Runs `op` back to back for `seconds` (after `warmup` seconds untimed), timing each call.
func measure(seconds: Double, warmup: Double, _ op: () throws -> Void) rethrows -> Measurement {
    if warmup > 0 {
        let start = now()
        let budget = UInt64(warmup * 1e9)
        repeat { try op() } while now() - start < budget
    }
    var lat = [UInt64]()
    lat.reserveCapacity(65_536)
    let budget = UInt64(seconds * 1e9)
    let cpuStart = threadCPUNanoseconds()
    let start = now()
    var t = start
    repeat {
        try op()
        let e = now()
        lat.append(e - t)
        t = e
    } while t - start < budget
    return Measurement(latencies: lat, ns: t - start, cpuNs: threadCPUNanoseconds() - cpuStart)
}

func header() -> String {
    "  " + "".rightPad(44) + ["ops/s", "µs/op", "p50 µs", "p99 µs", "ops", "ops/cpu-s", "cpu %"].map { $0.leftPad(10) }.joined()
}

func row(_ label: String, _ m: Measurement) -> String {
    "    " + label.rightPad(42)
        + [
            fmt(m.perSecond, 1), fmt(m.meanUs, 1), fmt(m.p50Us, 1), fmt(m.p99Us, 1), String(m.ops),
            fmt(m.perCPUSecond, 1), fmt(100 * m.cpuShare, 0),
        ]
        .map { $0.leftPad(10) }.joined()
}
