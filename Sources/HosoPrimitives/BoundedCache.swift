import Synchronization

/// Values by key, bounded by a cost the caller gives (bytes, usually), oldest out first. For immutable things named by
/// their content (an entry is never stale), where only memory needs bounding. Safe to share between threads.
package final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State: Sendable {
        var entries = [Key: (value: Value, cost: Int)]()
        var order = [Key]()  // insertion order
        var head = 0  // first live index in `order`
        var total = 0
    }
    private let state = Mutex(State())
    package let budget: Int

    package init(budget: Int) { self.budget = budget }

    package func get(_ key: Key) -> Value? { state.withLock { $0.entries[key]?.value } }

    package func put(_ key: Key, _ value: Value, cost: Int) {
        guard cost <= budget / 4 else { return }  // one giant value would push everything else out
        let budget = self.budget
        state.withLock { s in
            guard s.entries[key] == nil else { return }
            s.entries[key] = (value, cost)
            s.order.append(key)
            s.total += cost
            while s.total > budget, s.head < s.order.count {
                if let gone = s.entries.removeValue(forKey: s.order[s.head]) { s.total -= gone.cost }
                s.head += 1
            }
            if s.head > 1024 && s.head * 2 > s.order.count {
                s.order.removeFirst(s.head)
                s.head = 0
            }
        }
    }
}
