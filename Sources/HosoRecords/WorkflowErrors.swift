import HosoCore

// The errors of the record workflows (HosoKit's records, ledger entries, citizens' requests and copies), by code.
extension HosoError.Code {
    /// The record id is taken (by this record, or by a record of another type).
    public static let recordExists = Self("RECORD_EXISTS", .badInput)
    /// No record has this id.
    public static let recordNotFound = Self("RECORD_NOT_FOUND", .notFound)
    /// The record has concurrent revisions (edited in two places offline) that no revision resolves yet.
    public static let recordConflict = Self("RECORD_CONFLICT", .badInput)
    /// Another writer changed the record since this one read it; nothing was written.
    public static let recordChanged = Self("RECORD_CHANGED", .conflict)
    /// A parent named by a revision is missing or belongs to another record.
    public static let parentInvalid = Self("REVISION_PARENT_INVALID", .badInput)
    /// No ledger entry has this serial (or ledger number).
    public static let ledgerEntryNotFound = Self("LEDGER_ENTRY_NOT_FOUND", .notFound)
    /// A correction or revocation does not describe the diploma as the ledger records it.
    public static let appendixMismatch = Self("LEDGER_APPENDIX_MISMATCH", .badInput)
    /// Several ledger entries answer to what was given: say which.
    public static let entryAmbiguous = Self("LEDGER_ENTRY_AMBIGUOUS", .badInput)
    /// No citizen's request has this number.
    public static let requestNotFound = Self("REQUEST_NOT_FOUND", .notFound)
    /// The request is not in a state that allows this step (served already, or not for a copy).
    public static let requestState = Self("REQUEST_STATE_INVALID", .conflict)
    /// A request as entered is incomplete or contradicts itself.
    public static let badRequestInput = Self("REQUEST_INVALID", .badInput)
    /// The diploma was revoked or annulled: no copy is issued from its entry.
    public static let diplomaRevoked = Self("DIPLOMA_REVOKED", .conflict)
    /// The certificate is not one the office registered to sign its copies.
    public static let notOfficeSigner = Self("NOT_OFFICE_SIGNER", .badInput)
    /// The request names another diploma than the ledger entry (holder, serial, ledger or number).
    public static let requestMismatch = Self("REQUEST_ENTRY_MISMATCH", .conflict)
    /// No issued copy matches.
    public static let copyNotFound = Self("COPY_NOT_FOUND", .notFound)
    /// Another process took the copy number first (the copy is made again with the next one).
    public static let copyNumberTaken = Self("COPY_NUMBER_TAKEN", .badInput)
}
