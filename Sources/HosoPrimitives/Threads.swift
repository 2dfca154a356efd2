import Dispatch
import Foundation

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
