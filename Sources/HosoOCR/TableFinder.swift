/// A run of pixel rows or columns, both ends included.
struct Span: Sendable, Equatable {
    var lo: Int
    var hi: Int
    var length: Int { hi - lo + 1 }
}

/// The ruled table of a ledger page, found from dark-pixel projections: a ruled line is a row (or column) of the page
/// that is dark over most of the table's width (or height). The page must be straight (`GreyImage.rotated`): a skew
/// of more than about 0.2° spreads a line over several rows and it is no longer found.
struct RuledTable: Sendable {
    /// Horizontal lines, top to bottom.
    var rows: [Span]
    /// Vertical lines, left to right.
    var columns: [Span]
    /// Indexes `i` of the bands between `rows[i]` and `rows[i + 1]` that hold entries.
    var entryBands: [Int]
    /// The band with the column titles, when there is one above the entries.
    var headerBand: Int?

    /// The pixel rows strictly between line `i` and line `i + 1`.
    func band(_ i: Int) -> Span { Span(lo: rows[i].hi + 1, hi: rows[i + 1].lo - 1) }
    /// The pixel columns strictly between vertical line `j` and line `j + 1`.
    func cell(_ j: Int) -> Span { Span(lo: columns[j].hi + 1, hi: columns[j + 1].lo - 1) }
    var columnCount: Int { max(0, columns.count - 1) }

    /// The level below which a pixel is ink: half the paper's brightness (the page's median, paper being most of it).
    static func inkLevel(_ image: GreyImage) -> UInt8 {
        var histogram = [Int](repeating: 0, count: 256)
        for p in image.pixels { histogram[Int(p)] += 1 }
        var seen = 0
        var median = 255
        for (v, n) in histogram.enumerated() {
            seen += n
            if seen * 2 >= image.pixels.count {
                median = v
                break
            }
        }
        return UInt8(min(140, median / 2 + 10))
    }

    /// Finds the table, or nil when the page has no ruled table (a blank or handwritten page without lines).
    static func find(in image: GreyImage, ink: UInt8) -> RuledTable? {
        let w = image.width
        let h = image.height
        guard w >= 50, h >= 50 else { return nil }
        // Rows dark over at least 40% of the page's width.
        var rowInk = [Int](repeating: 0, count: h)
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<h {
                var n = 0
                for x in 0..<w where px[y * w + x] < ink { n += 1 }
                rowInk[y] = n
            }
        }
        let hLines = runs(of: rowInk.map { $0 * 10 >= w * 4 }, gap: 1).filter { $0.length <= max(8, h / 100) }
        guard hLines.count >= 3 else { return nil }
        // The table's left and right: the longest dark run along each line, allowing breaks of a few pixels.
        var left = w
        var right = 0
        for line in hLines {
            var darkAt = [Bool](repeating: false, count: w)
            for x in 0..<w {
                for yy in line.lo...line.hi where image[x, yy] < ink {
                    darkAt[x] = true
                    break
                }
            }
            if let longest = runs(of: darkAt, gap: 4).max(by: { $0.length < $1.length }), longest.length * 10 >= w * 4 {
                left = min(left, longest.lo)
                right = max(right, longest.hi)
            }
        }
        guard right > left else { return nil }
        // Columns dark over at least 60% of the table's height, within the table.
        let top = hLines.first!.lo
        let bottom = hLines.last!.hi
        var columnInk = [Int](repeating: 0, count: w)
        image.pixels.withUnsafeBufferPointer { px in
            for y in top...bottom {
                for x in left...right where px[y * w + x] < ink { columnInk[x] += 1 }
            }
        }
        let height = bottom - top + 1
        let vLines = runs(of: columnInk.map { $0 * 10 >= height * 6 }, gap: 1).filter { $0.length <= max(8, w / 100) }
        guard vLines.count >= 2 else { return nil }

        var table = RuledTable(rows: hLines, columns: vLines, entryBands: [], headerBand: nil)
        let heights = (0..<(hLines.count - 1)).map { table.band($0).length }
        let usable = heights.filter { $0 >= 8 }.sorted()
        guard !usable.isEmpty else { return nil }
        // Entry rows are the common height; the titles above them are taller, the column numbers shorter.
        let typical = usable[usable.count / 2]
        table.entryBands = heights.indices.filter { heights[$0] * 10 >= typical * 7 && heights[$0] * 10 <= typical * 14 }
        if let first = table.entryBands.first, first > 0 {
            table.headerBand = (0..<first).max { heights[$0] < heights[$1] }
        }
        return table
    }

    /// Runs of `true`, joined across gaps of at most `gap` `false`s.
    static func runs(of flags: [Bool], gap: Int) -> [Span] {
        var out: [Span] = []
        for (i, f) in flags.enumerated() where f {
            if let last = out.last, i - last.hi <= gap + 1 {
                out[out.count - 1].hi = i
            } else {
                out.append(Span(lo: i, hi: i))
            }
        }
        return out
    }
}
