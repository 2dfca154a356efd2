import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Binding and stepping prepared statements through the C API (values copied by SQLite, as SQLITE_TRANSIENT).
enum RawBind {
    /// SQLITE_TRANSIENT is a C macro (a cast of -1), which Swift does not import.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    static func text(_ s: OpaquePointer, _ i: Int32, _ v: String?) {
        guard var v else {
            sqlite3_bind_null(s, i)
            return
        }
        v.withUTF8 { buf in
            // An empty string is bound as empty text, never NULL: a null pointer would bind NULL.
            if let base = buf.baseAddress {
                _ = sqlite3_bind_text(s, i, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buf.count), transient)
            } else {
                _ = sqlite3_bind_text(s, i, "", 0, transient)
            }
        }
    }

    /// The same code units (not merely canonically equivalent): whether a bound text can stay bound.
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    @inline(__always)
    static func int(_ s: OpaquePointer, _ i: Int32, _ v: Int?) {
        if let v { sqlite3_bind_int64(s, i, Int64(v)) } else { sqlite3_bind_null(s, i) }
    }

    /// Steps a statement that returns no rows, then resets it; an error is GRDB's DatabaseError.
    static func run(_ s: OpaquePointer, _ connection: OpaquePointer) throws {
        let code = sqlite3_step(s)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            let sql = String(cString: sqlite3_sql(s))
            sqlite3_reset(s)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
        sqlite3_reset(s)
    }
}

/// The writer's log size after each commit, through `sqlite3_wal_hook` (which replaces SQLite's own automatic
/// checkpoint on that connection: `ArchiveIndex.write` schedules one instead).
final class WALProgress: Sendable {
    /// SQLite's default `wal_autocheckpoint`.
    static let threshold: Int32 = 1000
    private struct State {
        var due: Int32? = nil  // the log's size in frames when a checkpoint fell due
    }
    private let state = Mutex(State())

    func watch(_ connection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(
            connection,
            { context, _, _, frames in
                if let context, frames >= WALProgress.threshold {
                    let progress = Unmanaged<WALProgress>.fromOpaque(context).takeUnretainedValue()
                    progress.state.withLock { $0.due = frames }
                }
                return SQLITE_OK
            }, context)
    }

    /// The log's size if a checkpoint is due (and from now on being seen to), else nil.
    func takeIfDue() -> Int32? {
        state.withLock { s in
            let was = s.due
            s.due = nil
            return was
        }
    }
}

/// A connection that only checkpoints the write-ahead log, on a thread of its own started on first use. The
/// thread runs at a lower priority (nice 10): on a busy machine the writer and the readers go first, and the
/// checkpoint takes the time they leave.
final class Checkpointer: Sendable {
    /// What the thread shares with its owner (the thread holds this, not the owner, so that an owner dropped
    /// without `close()` still stops it).
    private final class Shared: Sendable {
        struct State {
            var pending = false
            var closed = false
            var started = false
        }
        let path: String
        let wake = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        let state = Mutex(State())

        init(path: String) { self.path = path }
    }

    private let state: Shared

    init(path: String) { state = Shared(path: path) }

    /// Asks for a passive checkpoint soon (requests made meanwhile are one).
    func checkpoint() {
        let state = self.state
        let asked: (start: Bool, signal: Bool)? = state.state.withLock { s in
            if s.closed { return nil }
            let start = !s.started
            s.started = true
            let signal = !s.pending
            s.pending = true
            return (start, signal)
        }
        guard let (start, signal) = asked else { return }
        if start { Self.startThread(state) }
        if signal { state.wake.signal() }
    }

    private static func startThread(_ state: Shared) {
        let thread = Thread {
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)  // this thread only, on Linux
            #endif
            var connection: OpaquePointer?
            while true {
                state.wake.wait()
                let stop = state.state.withLock { s in
                    s.pending = false
                    return s.closed
                }
                if stop { break }
                if connection == nil {
                    var c: OpaquePointer?
                    if sqlite3_open_v2(state.path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK {
                        connection = c
                    } else if let c {
                        sqlite3_close_v2(c)  // the writer's next commit will ask again
                    }
                }
                if let connection { _ = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
            }
            if let connection { sqlite3_close_v2(connection) }
            state.exited.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the thread, after a checkpoint under way, and closes its connection; waits for that with `wait`.
    private func stop(wait: Bool) {
        let state = self.state
        let running = state.state.withLock { s in
            let running = s.started && !s.closed
            s.closed = true
            return running
        }
        guard running else { return }
        state.wake.signal()
        if wait { state.exited.wait() }
    }

    /// Waits for a checkpoint under way, then closes the connection for good.
    func close() { stop(wait: true) }

    deinit { stop(wait: false) }
}

/// A value bound into a lookup.
enum LookupValue {
    case text(String)
    case int(Int)
}

/// Read-only connections for lookups, each with its prepared statements, lent out one caller at a time and kept
/// for the next (a few: as many as callers look up at once). Opened on first use, with the pragmas of the index's
/// own readers and GRDB's busy timeout.
final class LookupConnections: Sendable {
    private struct State {
        var idle = [LookupConnection]()
        var closed = false
    }
    private let path: String
    private let state = Mutex(State())
    static let kept = 4

    init(path: String) { self.path = path }

    func with<T>(_ body: (LookupConnection) throws -> T) throws -> T {
        let (reused, isClosed) = state.withLock { s in (s.idle.popLast(), s.closed) }
        if isClosed { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "Connection is closed") }
        let connection = try reused ?? LookupConnection(path: path)
        defer {
            let keep = state.withLock { s in
                let keep = !s.closed && s.idle.count < Self.kept
                if keep { s.idle.append(connection) }
                return keep
            }
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    /// Closes the idle connections; one lent out is closed when it comes back.
    func close() {
        let all = state.withLock { s in
            s.closed = true
            let all = s.idle
            s.idle = []
            return all
        }
        for c in all { c.close() }
    }
}

/// One read-only SQLite connection and its prepared statements (used by one thread at a time).
// @unchecked: its NOMUTEX handle and statements are used by one thread at a time (LookupConnections lends it under its mutex).
final class LookupConnection: @unchecked Sendable {
    private var db: OpaquePointer?
    private var statements = [String: OpaquePointer]()

    init(path: String) throws {
        var c: OpaquePointer?
        let code = sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let c else {
            let message = c.map { String(cString: sqlite3_errmsg($0)) }
            if let c { sqlite3_close_v2(c) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        db = c
        sqlite3_busy_timeout(c, 30_000)  // as the index's GRDB connections (busyMode .timeout(30))
        guard sqlite3_exec(c, ArchiveIndex.connectionPragmas, nil, nil, nil) == SQLITE_OK else {
            let e = error(sqlite3_errcode(c), sql: ArchiveIndex.connectionPragmas)
            close()
            throw e
        }
    }

    /// A prepared statement for `sql`, kept for the next time.
    func statement(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        if statements.count >= 64 {  // a lookup's shapes are few; past that, start over rather than grow
            for s in statements.values { sqlite3_finalize(s) }
            statements = [:]
        }
        var s: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
        guard code == SQLITE_OK, let s else { throw error(code, sql: sql) }
        statements[sql] = s
        return s
    }

    func error(_ code: Int32, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: db.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }

    func close() {
        for s in statements.values { sqlite3_finalize(s) }
        statements = [:]
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    deinit { close() }
}
