import Dispatch
import Foundation
import HosoCore
import HosoRecords
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// OCR prefill of a typed or printed ledger page with Tesseract and its Vietnamese model (Debian's tesseract-ocr and
/// tesseract-ocr-vie), through its command line. Read as one block, a ledger table comes back as noise; so the page's
/// ruled table is found first, each row is laid out as one line of print (`RowStrip`), doubled in size and read in
/// single-line mode (`--psm 7`), two rows at a time, and each word goes back to the column it was printed in. The
/// column titles are read the same way to know which column is which. Handwriting is not read: those pages are keyed.
public struct TesseractPrefiller: PagePrefiller {
    /// The reader's budgets. Past a time budget the reader is killed: a page never hangs the workbench.
    public struct Limits: Sendable {
        /// The largest image file read.
        public var maxFileBytes = 64 << 20
        /// The largest image, width × height, decoded (an A4 page at 600 dpi is 35 million).
        public var maxPixels = 40_000_000
        /// Wall-clock seconds per row: a Tesseract run reading n rows may take n times as long.
        public var rowSeconds = 30.0
        /// The whole page, seconds of wall-clock time.
        public var totalSeconds = 120.0
        /// Tesseract runs at once, each on one thread.
        public var workers = 2
        /// The most rows read from one page.
        public var maxRows = 60
        /// Address space of one Tesseract run (its Vietnamese model needs about 100 MB).
        public var childMemoryBytes = 1 << 30

        public init() {}
    }

    public var limits: Limits
    let executable: String?
    let environment: [String: String]

    /// `executable` is the `tesseract` program to run; nil looks for it on `environment`'s PATH when a page is read.
    /// `TESSDATA_PREFIX` in `environment` is passed on (a model folder other than Debian's).
    public init(limits: Limits = Limits(), executable: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.limits = limits
        self.executable = executable
        self.environment = environment
    }

    /// The ledger field of each printed column, left to right, when the titles cannot be read: the district's
    /// ledger (with the recipient's signature column) and the same without it. Nil is a column not read.
    static let layouts: [[String?]] = [
        ["stt", "fullName", "dateOfBirth", "placeOfBirth", "sex", "ethnicity", "graduationGrade", "serial", "ledgerNumber", nil, "notes"],
        ["stt", "fullName", "dateOfBirth", "placeOfBirth", "sex", "ethnicity", "graduationGrade", "serial", "ledgerNumber", "notes"],
    ]

    /// Column titles (folded: no accents, lower case) and their fields; the first that a title contains wins.
    static let titles: [(String, String?)] = [
        ("so vao so", "ledgerNumber"), ("vao so", "ledgerNumber"), ("so hieu", "serial"), ("hieu", "serial"),
        ("ho va ten", "fullName"), ("ho ten", "fullName"), ("va ten", "fullName"), ("ngay sinh", "dateOfBirth"),
        ("noi sinh", "placeOfBirth"), ("gioi tinh", "sex"), ("nam/nu", "sex"), ("dan toc", "ethnicity"),
        ("xep loai", "graduationGrade"), ("ghi chu", "notes"), ("chu ky", nil), ("ky nhan", nil), ("stt", "stt"),
        ("tt", "stt"),
    ]

    public func prefill(imageFile: String) throws -> PagePrefill {
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(limits.totalSeconds * 1000))
        let runner = try makeRunner()
        let engine = try engineName(runner)
        var image = try GreyImage.load(file: imageFile, limits: limits)
        let ink = RuledTable.inkLevel(image)
        // A page laid a little askew on the scanner: its ruling is found only once it is straight again.
        let skew = image.skewDegrees(ink: ink)
        if abs(skew) >= 0.1 { image = image.rotated(degrees: -skew) }
        guard let table = RuledTable.find(in: image, ink: ink), table.columnCount >= 1 else {
            return PagePrefill(engine: engine, rows: [])
        }
        let bands = Array(table.entryBands.prefix(limits.maxRows))
        let allColumns = Array(0..<table.columnCount)
        // Job 0 reads the titles; jobs 1… the rows.
        let jobs: [Int?] = [table.headerBand] + bands.map { Optional($0) }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var strips: [Int: RowStrip] = [:]
        for (k, band) in jobs.enumerated() {
            guard let band, let strip = RowStrip.make(image, table: table, band: band, columns: allColumns, ink: ink) else { continue }
            try Data(strip.image.doubled().pgm()).write(to: URL(fileURLWithPath: dir + "/strip-\(k).pgm"))
            strips[k] = strip
        }
        // One Tesseract per worker, each reading its share of the strips from a list file: the model is loaded once
        // per run, not once per row (it was most of the CPU time when every row had its own run).
        let order = strips.keys.sorted()
        let workers = max(1, min(limits.workers, order.count))
        let batches = (0..<workers).map { w in Array(order[(order.count * w / workers)..<(order.count * (w + 1) / workers)]) }
        let results = Mutex([Int: [TesseractRunner.Word]]())
        let timedOut = Mutex(false)
        let failure = Mutex<HosoError?>(nil)
        DispatchQueue.concurrentPerform(iterations: order.isEmpty ? 0 : workers) { w in
            let batch = batches[w]
            let remainingMs = Int((deadline - ContinuousClock.now) / .milliseconds(1))
            guard remainingMs > 0 else {
                timedOut.withLock { $0 = true }
                return
            }
            do {
                let list = dir + "/batch-\(w).txt"
                try Data(batch.map { dir + "/strip-\($0).pgm\n" }.joined().utf8).write(to: URL(fileURLWithPath: list))
                let budgetMs = Int(limits.rowSeconds * 1000) * batch.count
                let outcome = try runner.run([list, "stdout", "-l", "vie", "--psm", "7", "tsv"], wallMs: min(budgetMs, remainingMs))
                if outcome.timedOut {
                    // Past the page's budget the page fails; a batch that was merely slow leaves its rows to the person.
                    if budgetMs >= remainingMs { timedOut.withLock { $0 = true } }
                    return
                }
                guard outcome.exitedCleanly, let words = TesseractRunner.words(tsv: outcome.output) else {
                    throw HosoError(
                        .ocrEngineFailed,
                        .both("Chương trình nhận dạng chữ không đọc được trang", "The text recognition program failed on the page"),
                        location: imageFile, cause: "tesseract status \(outcome.status)")
                }
                var byStrip: [Int: [TesseractRunner.Word]] = [:]
                for word in words where (1...batch.count).contains(word.page) { byStrip[batch[word.page - 1], default: []].append(word) }
                results.withLock { r in for (k, ws) in byStrip { r[k] = ws } }
            } catch let e as HosoError {
                failure.withLock { $0 = $0 ?? e }
            } catch {
                failure.withLock {
                    $0 = $0 ?? HosoError(.ioError, .both("Lỗi khi đọc trang", "Error while reading the page"), cause: "\(error)")
                }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
        if timedOut.withLock({ $0 }) {
            throw HosoError(
                .ocrTimeout,
                .both(
                    "Đọc trang quá \(Int(limits.totalSeconds)) giây nên đã dừng",
                    "Reading the page took over \(Int(limits.totalSeconds)) s; stopped"),
                location: imageFile)
        }
        let words = results.withLock { $0 }
        let stripsRead = strips
        let fields = try columnFields(table: table, header: stripsRead[0].map { ($0, words[0] ?? []) }, location: imageFile)

        var rows: [PrefillRow] = []
        // A ruled row with no print in it is not an entry (the blank rows below the last one on a page).
        for (i, band) in bands.enumerated() where stripsRead[i + 1] != nil {
            let left = table.columns.first!.lo
            let right = table.columns.last!.hi
            let region = [
                Double(left) / Double(image.width), Double(table.rows[band].lo) / Double(image.height),
                Double(right - left + 1) / Double(image.width),
                Double(table.rows[band + 1].hi - table.rows[band].lo + 1) / Double(image.height),
            ].map { ($0 * 10000).rounded() / 10000 }
            var byField: [String: PrefillField] = [:]
            if let strip = stripsRead[i + 1], let read = words[i + 1] {
                var perColumn: [Int: [(text: String, confidence: Double)]] = [:]
                for w in read {
                    // The strip was doubled before reading: halve the word's box.
                    guard let column = strip.column(ofWordAt: w.left / 2, width: w.width / 2) else { continue }
                    perColumn[column, default: []].append((w.text, w.confidence))
                }
                for (column, ws) in perColumn {
                    guard column < fields.count, let name = fields[column], let f = FieldText.make(field: name, words: ws) else { continue }
                    byField[name] = f
                }
            }
            rows.append(PrefillRow(region: region, fields: byField))
        }
        return PagePrefill(engine: engine, rows: rows)
    }

    /// The field of each column: from the titles when they name at least six fields, else by the column count.
    func columnFields(table: RuledTable, header: (RowStrip, [TesseractRunner.Word])?, location: String) throws -> [String?] {
        var fromTitles = [String?](repeating: nil, count: table.columnCount)
        var named = Set<String>()
        if let (strip, words) = header {
            var text: [Int: [String]] = [:]
            for w in words {
                if let c = strip.column(ofWordAt: w.left / 2, width: w.width / 2) { text[c, default: []].append(w.text) }
            }
            for (c, ws) in text where c < fromTitles.count {
                let title = VietnameseText.fold(ws.joined(separator: " "))
                guard let match = Self.titles.first(where: { title.contains($0.0) }), let field = match.1, !named.contains(field) else {
                    continue
                }
                fromTitles[c] = field
                named.insert(field)
            }
        }
        if named.count >= 6 { return fromTitles }
        if let layout = Self.layouts.first(where: { $0.count == table.columnCount }) { return layout }
        throw HosoError(
            .ocrLayoutUnknown,
            .both(
                "Bảng trên trang có \(table.columnCount) cột, không khớp mẫu sổ gốc nào và không đọc được tiêu đề cột",
                "The page's table has \(table.columnCount) columns, matches no ledger layout, and its column titles cannot be read"),
            location: location)
    }

    func makeRunner() throws -> TesseractRunner {
        guard let path = TesseractRunner.locate(executable, environment: environment) else {
            throw HosoError(
                .ocrEngineMissing,
                .both(
                    "Máy chưa cài chương trình nhận dạng chữ Tesseract (gói tesseract-ocr và tesseract-ocr-vie); vẫn nhập tay được",
                    "The Tesseract text recognition program is not installed (packages tesseract-ocr and tesseract-ocr-vie); keying by hand still works"
                ),
                location: executable ?? "tesseract")
        }
        // One thread per run: the page's rows run in parallel instead, and OpenMP threads would fight over 2 cores.
        var env = ["OMP_THREAD_LIMIT=1", "PATH=/usr/bin:/bin"]
        if let prefix = environment["TESSDATA_PREFIX"] { env.append("TESSDATA_PREFIX=" + prefix) }
        return TesseractRunner(executable: path, environment: env, memoryBytes: limits.childMemoryBytes)
    }

    /// "tesseract 5.3.0 vie", after checking that the Vietnamese model is there.
    func engineName(_ runner: TesseractRunner) throws -> String {
        let ms = Int(min(limits.rowSeconds, 10) * 1000)
        let version = try runner.run(["--version"], wallMs: ms)
        let langs = try runner.run(["--list-langs"], wallMs: ms)
        guard version.exitedCleanly, langs.exitedCleanly else {
            throw HosoError(
                .ocrEngineFailed, .both("Chương trình nhận dạng chữ không chạy được", "The text recognition program does not run"),
                location: runner.executable, cause: "status \(version.status), \(langs.status)")
        }
        let names = String(decoding: langs.output, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        guard names.contains("vie") else {
            throw HosoError(
                .ocrModelMissing,
                .both(
                    "Thiếu mô hình tiếng Việt của Tesseract (gói tesseract-ocr-vie)",
                    "Tesseract's Vietnamese model is missing (package tesseract-ocr-vie)"),
                location: runner.executable)
        }
        let first = String(decoding: version.output, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? "tesseract"
        return first.trimmingCharacters(in: .whitespaces) + " vie"
    }

    func temporaryDirectory() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/hoso-ocr-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HosoError.fromErrno(
                errno, path: FileManager.default.temporaryDirectory.path, action: .both("tạo thư mục tạm", "creating a temporary folder"))
        }
        return String(cString: made)
    }
}
