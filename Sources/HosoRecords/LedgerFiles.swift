import Foundation
import HosoCore
import HosoPrimitives

/// The files a ledger import reads: the table (CSV or XLSX) and the directory of page scans.
package enum LedgerFiles {
    /// The ledger's rows, from an .xlsx workbook (the mapping's sheet) or a CSV file.
    package static func readTable(_ file: String, mapping: LedgerMapping) throws -> Table {
        try readTable(file, sheet: mapping.sheet)
    }

    /// The rows of an .xlsx workbook's sheet (the first when nil) or of a CSV file.
    package static func readTable(_ file: String, sheet: String?) throws -> Table {
        if file.lowercased().hasSuffix(".xlsx") {
            return try XLSXReader.read(path: file, sheet: sheet)
        }
        let bytes: [UInt8]
        do { bytes = try readFile(file, limit: CSVReader.maxBytes) } catch let e as FileTooLarge {
            throw HosoError(.csvInvalid, .both("Tệp quá lớn", "The file is too large"), location: file, cause: "\(e.size) bytes")
        } catch {
            throw HosoError(.inputNotFound, .both("Không đọc được tệp sổ", "Cannot read the ledger file"), location: file)
        }
        return try CSVReader.read(bytes: bytes, source: file)
    }

    /// Page scans: the first number in each file name is its page. Names without one are warnings; two scans of a
    /// page are an error.
    package static func scanFiles(_ directory: String?) throws -> (files: [Int: String], problems: [HosoError]) {
        var scanFiles = [Int: String]()
        var scanProblems = [HosoError]()
        guard let dir = directory else { return (scanFiles, scanProblems) }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted() } catch {
            throw HosoError(.inputNotFound, .both("Không đọc được thư mục ảnh quét", "Cannot read the scans directory"), location: dir)
        }
        for name in names where !name.hasPrefix(".") {
            guard let r = name.range(of: "[0-9]+", options: .regularExpression), let page = Int(name[r]) else {
                scanProblems.append(
                    HosoError(
                        .ledgerWarning, .both("Tên tệp ảnh không có số trang", "No page number in the scan's file name"),
                        location: dir + "/" + name))
                continue
            }
            if let other = scanFiles[page] {
                scanProblems.append(
                    HosoError(
                        .ledgerPageWithoutScan,
                        .both(
                            "Hai ảnh cho cùng trang \(page) (cũng là \(other))",
                            "Two scans for page \(page) (also \(other))"),
                        location: dir + "/" + name))
            }
            scanFiles[page] = dir + "/" + name
        }
        return (scanFiles, scanProblems)
    }
}
