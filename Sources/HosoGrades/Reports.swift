import Foundation
import HosoCore
import HosoRecords

// What the grade-book and transcript workflows report (HosoKit's `Archive.importGradeBook`, `buildTranscripts`).

/// The outcome of `Archive.importGradeBook`.
public struct GradeBookImportResult: Sendable {
    public var book: GradeBook
    public var save: RecordSaveResult
    /// Not errors; worth showing (e.g. a `tbm` column that differs from the computed average).
    public var warnings: [HosoError]

    public init(
        book: GradeBook,
        save: RecordSaveResult,
        warnings: [HosoError]
    ) {
        self.book = book
        self.save = save
        self.warnings = warnings
    }
}

/// The outcome of `Archive.buildTranscripts`: one save per transcript.
public struct TranscriptBuildResult: Sendable {
    public var transcripts: [Transcript]
    public var saves: [RecordSaveResult]
    public var warnings: [HosoError]

    public init(
        transcripts: [Transcript],
        saves: [RecordSaveResult],
        warnings: [HosoError]
    ) {
        self.transcripts = transcripts
        self.saves = saves
        self.warnings = warnings
    }
}
