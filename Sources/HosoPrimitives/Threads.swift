import Dispatch
import Foundation
import Synchronization

/// Work started on a thread of its own now and collected later: `wait()` blocks until it is done and returns what
/// it returned or threw (as often as asked). Two cores are the norm on the machines hoso runs on. A thread, not
/// a dispatch queue: the work may block waiting for its starter (see `Gate`), which must never starve the
/// starter's other work of a worker.
// @unchecked: `result` is written once before `done` is signalled and read only after a wait has seen it.
package final class BackgroundWork<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    package init(_ work: @escaping @Sendable () throws -> T) {
        let thread = Thread {
            self.result = Result { try work() }
            self.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    package func wait() -> Result<T, any Error> {
        done.wait()
        defer { done.signal() }  // for the next wait
        return result!
    }
}

/// Lets go of `items` a moment later on another thread, so that when they were the last references, the
/// freeing happens there and not on the caller's (which has returned by then).
package func releaseLater(_ items: [any Sendable]) {
    DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .milliseconds(2)) { withExtendedLifetime(items) {} }
}

/// A value handed from one thread to another that waits for it: opened once by one thread (later opens are
/// ignored), waited on by one other.
// @unchecked: `value` is written once before `ready` is signalled and read only after the wait has seen it.
package final class Gate<T: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var value: Result<T, any Error>?
    private var opened = false  // only touched by the opening thread

    package init() {}

    package func open(_ v: Result<T, any Error>) {
        if opened { return }
        opened = true
        value = v
        ready.signal()
    }

    package func wait() throws -> T {
        ready.wait()
        return try value!.get()
    }
}

/// `body` of every item, on as many threads as the machine has cores (at most `most`), in the items' order. For
/// CPU work over independent items that a caller would otherwise do on one core while the others wait, such as
/// decoding and checking the hundreds of revisions of one sync batch.
package func parallelMap<T: Sendable, R: Sendable>(_ items: [T], most: Int = 4, _ body: @Sendable (T) -> R) -> [R] {
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, items.count, most))
    if workers == 1 { return items.map(body) }
    let results = Mutex([R?](repeating: nil, count: items.count))
    let next = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let i = next.withLock { n in
                defer { n += 1 }
                return n
            }
            if i >= items.count { return }
            let r = body(items[i])
            results.withLock { $0[i] = r }
        }
    }
    return results.withLock { $0.map { $0! } }
}
