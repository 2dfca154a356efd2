import Foundation

extension SignedData {
    /// Splits a DER ContentInfo(SignedData) into the same structure without its `certificates [0]` and `crls [1]`
    /// fields, plus those elements' exact bytes. Neither field is covered by any signature. Nil for anything
    /// unexpected: the caller then parses the ordinary way.
    static func split(_ der: [UInt8]) -> (stripped: [UInt8], certificates: [ArraySlice<UInt8>], crls: [ArraySlice<UInt8>])? {
        guard let (ci, rest) = try? DER.parse(der[...]), rest.isEmpty, ci.tag == 0x30,
            let ciParts = try? ci.children, ciParts.count == 2, ciParts[0].tag == 0x06, ciParts[1].tag == 0xA0,
            let inner = try? ciParts[1].children, inner.count == 1, inner[0].tag == 0x30,
            let fields = try? inner[0].children
        else { return nil }
        func raw(_ n: DER.Node) -> ArraySlice<UInt8> { der[n.start..<n.content.endIndex] }
        var certs = [ArraySlice<UInt8>]()
        var crls = [ArraySlice<UInt8>]()
        var kept = [UInt8]()
        kept.reserveCapacity(der.count)
        for f in fields {
            switch f.tag {
            case 0xA0:
                guard let c = try? f.children else { return nil }
                certs = c.map(raw)
            case 0xA1:
                guard let c = try? f.children else { return nil }
                crls = c.map(raw)
            default: kept += raw(f)
            }
        }
        let stripped = DER.encode(tag: 0x30, Array(raw(ciParts[0])) + DER.encode(tag: 0xA0, DER.encode(tag: 0x30, kept)))
        return (stripped, certs, crls)
    }
}
