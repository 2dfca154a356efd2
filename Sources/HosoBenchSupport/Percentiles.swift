// Latency percentiles, one definition for every benchmark so their p50/p99 compare.

/// Per-operation times in nanoseconds, sorted once.
public struct Percentiles: Sendable {
    public let sorted: [UInt64]

    public init(_ ns: [UInt64]) { sorted = ns.sorted() }

    /// Nearest rank: the smallest time with at least a fraction `p` of all at or below it (0 with no samples).
    public func ns(_ p: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    public func us(_ p: Double) -> Double { Double(ns(p)) / 1000 }

    public var maxUs: Double { Double(sorted.last ?? 0) / 1000 }

    public var meanUs: Double { sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count) / 1000 }
}
