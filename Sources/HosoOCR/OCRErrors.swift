import HosoCore

extension HosoError.Code {
    /// The `tesseract` program is not installed (or not on PATH): OCR prefill is unavailable, keying still works.
    public static let ocrEngineMissing = Self("OCR_ENGINE_MISSING", .io)
    /// Tesseract is installed without its Vietnamese model (Debian's tesseract-ocr-vie).
    public static let ocrModelMissing = Self("OCR_MODEL_MISSING", .io)
    /// Tesseract failed on a page (it crashed, or answered something that is not its TSV).
    public static let ocrEngineFailed = Self("OCR_ENGINE_FAILED", .io)
    /// Reading the page took longer than its overall time budget; the readers were stopped.
    public static let ocrTimeout = Self("OCR_TIMEOUT", .io)
    /// The page image cannot be read (not a PNG or JPEG, damaged, truncated).
    public static let ocrImageUnreadable = Self("OCR_IMAGE_UNREADABLE", .badInput)
    /// The page image is over the reader's budgets (file size or pixel count).
    public static let ocrImageTooLarge = Self("OCR_IMAGE_TOO_LARGE", .badInput)
    /// The page has a ruled table, but its columns match no ledger layout (titles unreadable, unknown column count).
    public static let ocrLayoutUnknown = Self("OCR_LAYOUT_UNKNOWN", .badInput)
}
