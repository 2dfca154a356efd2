import Foundation
import GRDB
import GRDBSQLite

/// Binding and stepping prepared statements through the C API (values copied by SQLite, as SQLITE_TRANSIENT).
enum RawBind {
    /// SQLITE_TRANSIENT is a C macro (a cast of -1), which Swift does not import.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    static func text(_ s: OpaquePointer, _ i: Int32, _ v: String?) {
        guard var v else { sqlite3_bind_null(s, i); return }
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
final class WALProgress: @unchecked Sendable {
    /// SQLite's default `wal_autocheckpoint`.
    static let threshold: Int32 = 1000
    private let lock = NSLock()
    private var due: Int32? = nil  // the log's size in frames when a checkpoint fell due; guarded by lock

    func watch(_ connection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(connection, { context, _, _, frames in
            if let context, frames >= WALProgress.threshold {
                let progress = Unmanaged<WALProgress>.fromOpaque(context).takeUnretainedValue()
                progress.lock.lock()
                progress.due = frames
                progress.lock.unlock()
            }
            return SQLITE_OK
        }, context)
    }

    /// The log's size if a checkpoint is due (and from now on being seen to), else nil.
    func takeIfDue() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        let was = due
        due = nil
        return was
    }
}

/// A connection that only checkpoints the write-ahead log, on a thread of its own started on first use. The
/// thread runs at a lower priority (nice 10): on a busy machine the writer and the readers go first, and the
/// checkpoint takes the time they leave.
final class Checkpointer: @unchecked Sendable {
    /// What the thread shares with its owner (the thread holds this, not the owner, so that an owner dropped
    /// without `close()` still stops it).
    private final class State: @unchecked Sendable {
        let path: String
        let wake = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var pending = false  // guarded by lock
        var closed = false  // guarded by lock
        var started = false  // guarded by lock

        init(path: String) { self.path = path }
    }

    private let state: State

    init(path: String) { state = State(path: path) }

    /// Asks for a passive checkpoint soon (requests made meanwhile are one).
    func checkpoint() {
        let state = self.state
        state.lock.lock()
        if state.closed {
            state.lock.unlock()
            return
        }
        let start = !state.started
        state.started = true
        let signal = !state.pending
        state.pending = true
        state.lock.unlock()
        if start { Self.startThread(state) }
        if signal { state.wake.signal() }
    }

    private static func startThread(_ state: State) {
        let thread = Thread {
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)  // this thread only, on Linux
            #endif
            var connection: OpaquePointer?
            while true {
                state.wake.wait()
                state.lock.lock()
                let stop = state.closed
                state.pending = false
                state.lock.unlock()
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
        state.lock.lock()
        let running = state.started && !state.closed
        state.closed = true
        state.lock.unlock()
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
final class LookupConnections: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var idle = [LookupConnection]()  // guarded by lock
    private var closed = false  // guarded by lock
    static let kept = 4

    init(path: String) { self.path = path }

    func with<T>(_ body: (LookupConnection) throws -> T) throws -> T {
        lock.lock()
        let reused = idle.popLast()
        let isClosed = closed
        lock.unlock()
        if isClosed { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "Connection is closed") }
        let connection = try reused ?? LookupConnection(path: path)
        defer {
            lock.lock()
            let keep = !closed && idle.count < Self.kept
            if keep { idle.append(connection) }
            lock.unlock()
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    /// Closes the idle connections; one lent out is closed when it comes back.
    func close() {
        lock.lock()
        closed = true
        let all = idle
        idle = []
        lock.unlock()
        for c in all { c.close() }
    }
}

/// One read-only SQLite connection and its prepared statements (used by one thread at a time).
final class LookupConnection {
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
