/// One table row laid out as a single line of print for Tesseract's single-line mode: each cell's text, with a wide
/// gap between cells and a cell printed on two lines put back on one, the ruling, stamp and paper grain left out.
/// Words Tesseract finds are given back to their cells by where they lie on the strip.
struct RowStrip: Sendable {
    var image: GreyImage
    /// For each cell that has ink: its column index and its extent on the strip.
    var cells: [(column: Int, span: Span)]

    /// Paper lighter than this becomes white: the grey "synthetic data" stamp, the grain and the light fall-off.
    static let paper: UInt8 = 170
    static let pad = 8
    static let cellGap = 48
    static let lineGap = 14

    /// The strip of band `band` of `table`, cells of the columns in `columns` only; nil when no cell has ink.
    static func make(_ image: GreyImage, table: RuledTable, band: Int, columns: [Int], ink: UInt8) -> RowStrip? {
        let rows = table.band(band)
        var pieces: [(column: Int, lines: [(x: Span, y: Span)])] = []
        for j in columns {
            let x = table.cell(j)
            // Stay clear of the ruled lines: their blurred edges would read as "|" or "l".
            let inner = (x: Span(lo: x.lo + 2, hi: x.hi - 2), y: Span(lo: rows.lo + 2, hi: rows.hi - 2))
            guard inner.x.length > 4, inner.y.length > 4 else { continue }
            let lines = textLines(image, x: inner.x, y: inner.y, ink: ink)
            if !lines.isEmpty { pieces.append((j, lines)) }
        }
        guard !pieces.isEmpty else { return nil }
        let lineHeight = pieces.flatMap { $0.lines.map(\.y.length) }.max()!
        let height = lineHeight + 2 * pad
        var width = pad
        for p in pieces { width += p.lines.map(\.x.length).reduce(0, +) + (p.lines.count - 1) * lineGap + cellGap }
        width += pad - cellGap
        var out = GreyImage(width: width, height: height)
        var cells: [(Int, Span)] = []
        var cursor = pad
        for p in pieces {
            let start = cursor
            for (k, line) in p.lines.enumerated() {
                if k > 0 { cursor += lineGap }
                let dy = pad + (lineHeight - line.y.length) / 2
                for y in line.y.lo...line.y.hi {
                    for x in line.x.lo...line.x.hi {
                        let v = image[x, y]
                        out[cursor + x - line.x.lo, dy + y - line.y.lo] = v > paper ? 255 : v
                    }
                }
                cursor += line.x.length
            }
            cells.append((p.column, Span(lo: start, hi: cursor - 1)))
            cursor += cellGap
        }
        return RowStrip(image: out, cells: cells)
    }

    /// The lines of print in a cell: one, or two when the text was wrapped (a deep valley of ink across its middle).
    /// Specks of dust (a few dark pixels) are not print.
    static func textLines(_ image: GreyImage, x: Span, y: Span, ink: UInt8) -> [(x: Span, y: Span)] {
        var profile = [Int](repeating: 0, count: y.length)
        for yy in y.lo...y.hi {
            var n = 0
            for xx in x.lo...x.hi where image[xx, yy] < ink { n += 1 }
            profile[yy - y.lo] = n
        }
        let bands = RuledTable.runs(of: profile.map { $0 >= 1 }, gap: 2).filter { b in
            (b.lo...b.hi).reduce(0) { $0 + profile[$1] } >= 12 && b.length >= 3
        }
        guard let first = bands.first, let last = bands.last else { return [] }
        var lines = [Span(lo: first.lo, hi: last.hi)]
        let extent = lines[0]
        let peak = profile[extent.lo...extent.hi].max() ?? 0
        if extent.length * 20 >= y.length * 9 {
            let from = extent.lo + extent.length * 3 / 10
            let to = extent.lo + extent.length * 7 / 10
            if to > from, let valley = (from...to).min(by: { profile[$0] < profile[$1] }), profile[valley] * 100 <= peak * 12 {
                lines = [Span(lo: extent.lo, hi: valley), Span(lo: valley + 1, hi: extent.hi)]
            }
        }
        return lines.compactMap { line in
            var lo = x.hi
            var hi = x.lo
            for yy in (line.lo + y.lo)...(line.hi + y.lo) {
                for xx in x.lo...x.hi where image[xx, yy] < ink {
                    lo = min(lo, xx)
                    hi = max(hi, xx)
                }
            }
            guard hi >= lo else { return nil }
            return (Span(lo: max(x.lo, lo - 3), hi: min(x.hi, hi + 3)), Span(lo: line.lo + y.lo, hi: line.hi + y.lo))
        }
    }

    /// The cell a word at `left..<left+width` on the strip belongs to: the one its middle falls in, else the nearest.
    func column(ofWordAt left: Int, width: Int) -> Int? {
        let mid = left + width / 2
        return cells.min { a, b in distance(mid, a.span) < distance(mid, b.span) }?.column
    }

    private func distance(_ x: Int, _ s: Span) -> Int { x < s.lo ? s.lo - x : (x > s.hi ? x - s.hi : 0) }
}
