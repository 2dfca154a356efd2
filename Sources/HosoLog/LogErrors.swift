import HosoCore

extension HosoError.Code {
    /// A log file is shorter than the size the log acknowledged (cut, or lost on the disk).
    public static let logTruncated = Self("LOG_TRUNCATED", .damage)
    /// A log file holds bytes that contradict the rest (a leaf that is not its entry's hash, a wrong node, a bad head).
    public static let logCorrupt = Self("LOG_CORRUPT", .damage)
    /// A checkpoint does not parse, is not signed by the node key, or names a root the log does not have.
    public static let logCheckpointInvalid = Self("LOG_CHECKPOINT_INVALID", .damage)
    /// An entry of the log contradicts the archive (an object it names is missing or differs, an object is unlogged).
    public static let logEntryMismatch = Self("LOG_ENTRY_MISMATCH", .damage)
    /// No log entry for this object or record.
    public static let logEntryNotFound = Self("LOG_ENTRY_NOT_FOUND", .notFound)
    /// A proof was asked for sizes or an index the log cannot answer.
    public static let logBadRequest = Self("LOG_BAD_REQUEST", .badInput)
}

extension HosoError {
    static func logDamaged(_ code: Code, _ path: String, vi: String, en: String) -> HosoError {
        HosoError(code, .both(vi, en), location: path)
    }
}

extension HosoError.Code {
    /// A peer's checkpoint is smaller than one it showed before: its log was rolled back or cut.
    public static let logRollback = Self("LOG_ROLLBACK", .damage)
    /// A peer's checkpoint contradicts one it showed before (same size and another root, or no consistency proof):
    /// its log forked or was rewritten.
    public static let logFork = Self("LOG_FORK", .damage)
}
