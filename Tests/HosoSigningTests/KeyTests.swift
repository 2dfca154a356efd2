import Foundation
import Testing

@testable import HosoSigning

@Suite struct KeyTests {
    @Test func generatedKeysReportTheirStrength() throws {
        let ec = try PrivateKey.generate(.ecP256)
        #expect(ec.info.kind == .ec && ec.info.bits == 256 && ec.info.curve == "prime256v1")
        #expect(ec.info.isStrongEnough)
        let pem = try ec.pkcs8PEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let back = try PrivateKey.load(pem: Array(pem.utf8))
        #expect(back.info == ec.info)
    }

    @Test func derRoundTripsOIDs() throws {
        for oid in [OID.signerAttributesV2, OID.role, OID.timeStamping, "2.999.3"] {
            let enc = DER.oid(oid)
            let (node, rest) = try DER.parse(enc[...])
            #expect(rest.isEmpty && node.tag == 6)
            #expect(DER.oidText(node.content) == oid)
        }
    }
}
