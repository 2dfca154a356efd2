import Foundation

// Wall and CPU time, memory: what every benchmark reports next to its rates.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic nanoseconds (never jumps with the wall clock).
@inline(__always) public func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

public func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }

public func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }

/// CPU time of the calling thread, nanoseconds: with other work on the machine, the wall-clock rate says how much of
/// a CPU the thread got as much as how fast the code is; the CPU-time rate says the latter.
@inline(__always) public func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func selfUsage() -> rusage {
    var u = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)  // Glibc imports the who-constant as an enum
    #else
    getrusage(RUSAGE_SELF, &u)
    #endif
    return u
}

/// CPU time (user + system) of the whole process so far, every thread: on a shared machine the wall time of a
/// phase depends on the others' load, its CPU time much less.
public func processCPUNanoseconds() -> UInt64 {
    let u = selfUsage()
    func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
    return ns(u.ru_utime) + ns(u.ru_stime)
}

/// Peak resident set size of the process so far, MiB (ru_maxrss is in KiB on Linux).
public func peakRSSMiB() -> Double { Double(selfUsage().ru_maxrss) / 1024 }

/// A function rather than a constant, so the compiler does not flag the callers' other branch as unreachable.
@inline(never) public func isDebugBuild() -> Bool {
    #if DEBUG
    return true
    #else
    return false
    #endif
}
