/// What fsck follows from a revision to the objects and records it depends on.
extension Revision {
    /// What a revision names: objects by id (its parents, and by record type the objects its body names) and
    /// records by record id. Each with the words fsck says when it is missing.
    package func references(id: String) -> (objects: [(String, String)], records: [(String, String)]) {
        let what = "\(recordType) \(recordId) (revision \(id))"
        var objects = parents.map { ($0, "parent of \(what)") }
        var records = [(String, String)]()
        let b = body
        switch recordType {
        case "ledger":
            if case .array(let pages)? = b["pages"] {
                for p in pages {
                    if let scan = p["scan"]?.stringValue {
                        objects.append((scan, "scan of page \(p["page"]?.integerValue ?? 0) of \(what)"))
                    }
                }
            }
        case CopyRegisterEntry.recordType:
            if let doc = b["document"]?.stringValue { objects.append((doc, "the PDF of \(what)")) }
            if let doc = b["renewed"]?.stringValue { objects.append((doc, "the renewed PDF of \(what)")) }
        case HocBaIssue.recordType:
            if let doc = b["document"]?.stringValue { objects.append((doc, "the signed PDF of \(what)")) }
        case CitizenRequest.recordType:
            if case .array(let issued)? = b["issued"] {
                for i in issued {
                    if let doc = i["document"]?.stringValue { objects.append((doc, "a document issued by \(what)")) }
                }
            }
            if let proof = b["online"]?["proofFile"]?.stringValue { objects.append((proof, "the proof uploaded with \(what)")) }
        case OfficeSettings.recordType:
            if let seal = b["sealImage"]?.stringValue { objects.append((seal, "the seal image of \(what)")) }
        case "ledger-appendix", "revocation":
            if let ledger = b["ledgerRecordId"]?.stringValue { records.append((ledger, "the ledger of \(what)")) }
        default:
            break
        }
        return (objects, records)
    }
}
