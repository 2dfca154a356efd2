import HosoCore
import HosoRecords
import HosoSync

extension HosoError.Code {
    /// The office numbers by machine (`numberBlocks`) and this machine has no block, or no node identity.
    public static let numberBlockMissing = Self("NUMBER_BLOCK_MISSING", .badInput)
    /// This machine's block of numbers is used up for the year.
    public static let numberBlockExhausted = Self("NUMBER_BLOCK_EXHAUSTED", .badInput)
    /// Office settings whose number blocks overlap or lie outside 1…999,999.
    public static let numberBlocksInvalid = Self("NUMBER_BLOCKS_INVALID", .badInput)
}

/// Request and copy numbers. Two machines of one office that work offline and sync later must never give the same
/// number, or two citizens would hold copies "số 15/2026" of different diplomas. The office settings give each
/// machine (sync node) its own block of numbers; an office with one machine needs none.
extension Archive {
    /// The numbers this machine may give: its block, or all of them when the office has no blocks.
    func numberRange(_ settings: OfficeSettings) throws -> ClosedRange<Int> {
        guard let blocks = settings.numberBlocks, !blocks.isEmpty else { return 1...OfficeSettings.maxNumber }
        let node: String
        do { node = try nodeInfo().node } catch let e as HosoError where e.code == .nodeNotInitialised {
            throw HosoError(
                .numberBlockMissing,
                .both(
                    "Cơ quan cấp số theo từng máy nhưng máy này chưa là nút đồng bộ nên không có dải số",
                    "The office numbers by machine, but this machine is not a sync node and has no block of numbers"))
        }
        guard let block = blocks.first(where: { $0.node == node }) else {
            throw HosoError(
                .numberBlockMissing,
                .both(
                    "Máy này chưa được giao dải số yêu cầu và bản sao trong thiết lập cơ quan",
                    "This machine has no block of request and copy numbers in the office settings"), location: node)
        }
        return block.first...block.last
    }

    /// The greatest number of a year's ids "STEM NNNNNN" of `type` inside `range` (range.lowerBound - 1 before the
    /// first).
    func lastNumber(stem: String, type: String, in range: ClosedRange<Int>) throws -> Int {
        // Six digits sort as numbers; one past 999,999 would not ("1000000" < "500000").
        let below = range.upperBound >= OfficeSettings.maxNumber ? stem + "\u{10FFFF}" : stem + String(format: "%06d", range.upperBound + 1)
        let last = try index.lastRecordId(ofType: type, prefix: stem, below: below).flatMap { Int($0.dropFirst(stem.count)) }
        return max(last ?? 0, range.lowerBound - 1)
    }

    /// `n` if it is inside `range`, else the error that the block is used up.
    func checkNumber(_ n: Int, in range: ClosedRange<Int>, year: Int) throws -> Int {
        guard range.contains(n) else {
            throw HosoError(
                .numberBlockExhausted,
                .both(
                    "Đã dùng hết dải số \(range.lowerBound)–\(range.upperBound) của máy này trong năm \(year)",
                    "This machine's numbers \(range.lowerBound)–\(range.upperBound) are used up for \(year)"))
        }
        return n
    }

    /// Refuses settings whose blocks overlap or lie outside 1…999,999, before they are saved.
    func checkNumberBlocks(_ s: OfficeSettings) throws {
        let problems = s.numberBlockProblems
        guard problems.isEmpty else {
            throw HosoError(
                .numberBlocksInvalid,
                .both(
                    "Dải số của các máy không hợp lệ (chồng nhau hoặc ngoài 1–999999)",
                    "The machines' number blocks are invalid (overlapping or outside 1–999999)"), location: "numberBlocks",
                cause: problems.joined(separator: "; "))
        }
    }
}
