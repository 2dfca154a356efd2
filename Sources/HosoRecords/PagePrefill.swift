/// Values a machine reader (OCR) suggests for the entries on one ledger page. A suggestion is never a ledger value:
/// the keying screen shows it with its confidence and a person keys or confirms every field before anything is
/// committed. The reader and the workbench meet only here, so either can change without the other.
public struct PagePrefill: Sendable, Codable, Equatable {
    /// The reader and its model, e.g. "tesseract 4.1.1 vie".
    public var engine: String
    /// The rows found on the page, top to bottom.
    public var rows: [PrefillRow]

    public init(engine: String, rows: [PrefillRow]) {
        self.engine = engine
        self.rows = rows
    }
}

/// One row of the page's table as the reader saw it.
public struct PrefillRow: Sendable, Codable, Equatable {
    /// Where the row lies on the page, as fractions of its width and height (x, y, w, h), like a ledger entry's
    /// `region`; nil when the reader could not place it.
    public var region: [Double]?
    /// Suggested text by ledger entry field name (`fullName`, `dateOfBirth` as typed dd/mm/yyyy, `serial`, …).
    public var fields: [String: PrefillField]

    public init(region: [Double]?, fields: [String: PrefillField]) {
        self.region = region
        self.fields = fields
    }
}

/// One suggested value and how sure the reader was of it, from 0 (a guess) to 1 (certain).
public struct PrefillField: Sendable, Codable, Equatable {
    public var text: String
    public var confidence: Double

    public init(text: String, confidence: Double) {
        self.text = text
        self.confidence = confidence
    }
}

/// Something that reads a page scan (an image file the server made for display: PNG or JPEG) into suggestions.
/// It must keep to its own budgets (image size, time) and throw a `HosoError` with a code for anything it cannot read.
public protocol PagePrefiller: Sendable {
    func prefill(imageFile: String) throws -> PagePrefill
}
