import Foundation
import HosoRecords

extension Archive {
    /// The schools each person is assigned to (any role, any year), for the admin's account list filtered by school.
    public func schoolsByPerson() throws -> [String: Set<String>] {
        var out = [String: Set<String>]()
        for a in try identityRecords().assignments {
            if let s = a.school, !s.isEmpty { out[a.person, default: []].insert(s) }
        }
        return out
    }
}
