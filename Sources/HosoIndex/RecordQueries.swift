import Foundation
import GRDB

extension ArchiveIndex {
    /// Every record id of one type (requests, copies, settings…), sorted.
    package func recordIds(ofType type: String) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT recordId FROM revision WHERE recordType = ? ORDER BY recordId", arguments: [type])
        }
    }
}
