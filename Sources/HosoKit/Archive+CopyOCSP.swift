import Foundation
import HosoPrimitives
import HosoSigning
import HosoStore
import HosoTransport

extension Archive {
    /// The OCSP responses for a copy's validation data (PAdES B-LT /DSS /OCSPs), as `PAdES.extendToLTA` asks for
    /// them, certificate by certificate: the newest response the archive keeps (`ocsp-response` objects) that
    /// answers for it, is signed by its CA or a delegated responder, and is current at `now` (or says revoked); else,
    /// when the certificate names a responder, a fresh answer fetched with a short timeout. Best effort: offline,
    /// the CRLs remain the evidence. What was fetched (`fetched`) is to be kept as `ocsp-response` objects with the
    /// copy, so the archive's evidence records cover it too.
    final class CopyOCSPAnswers {
        let stored: [OCSPResponse]
        let crls: [CRL]
        let now: Date
        /// Seconds to wait for a responder: issuing a copy at the counter must not hang on an unreachable one.
        static let timeout: TimeInterval = 5
        private(set) var fetched = [[UInt8]]()
        /// Answers given so far, by the certificate's DER: `extendToLTA` asks twice for the signer's chain.
        private var answered = [[UInt8]: [UInt8]?]()

        init(stored: [OCSPResponse], crls: [CRL], now: Date) {
            self.stored = stored
            self.crls = crls
            self.now = now
        }

        func answer(_ cert: Certificate, _ issuer: Certificate) -> [UInt8]? {
            if let hit = answered[cert.der] { return hit }
            let r = storedAnswer(cert, issuer) ?? fetchedAnswer(cert, issuer)
            answered[cert.der] = r
            return r
        }

        private func storedAnswer(_ cert: Certificate, _ issuer: Certificate) -> [UInt8]? {
            var best: (der: [UInt8], thisUpdate: Date)?
            for r in stored {
                guard let single = r.single(for: cert, issuer: issuer), r.signerProblem(issuer: issuer, crls: crls) == nil else {
                    continue
                }
                switch single.status {
                case .revoked: return r.der
                case .good where single.thisUpdate <= now.addingTimeInterval(300) && (single.nextUpdate.map { $0 >= now } ?? false):
                    if best.map({ single.thisUpdate > $0.thisUpdate }) ?? true { best = (r.der, single.thisUpdate) }
                default: continue
                }
            }
            return best?.der
        }

        private func fetchedAnswer(_ cert: Certificate, _ issuer: Certificate) -> [UInt8]? {
            guard !cert.ocspURLs.isEmpty,
                let der = try? OCSPClient.fetch(for: cert, issuer: issuer, crls: crls, at: now, timeout: Self.timeout)
            else { return nil }
            fetched.append(der)
            return der
        }
    }

    /// The OCSP responses the archive keeps (`ocsp-response` objects that parse).
    func storedOCSPResponses() throws -> [OCSPResponse] {
        try index.objects(kind: ObjectKind.ocspResponse.rawValue).compactMap { row in
            guard let id = ObjectID(hex: row.id) else { return nil }
            return try? OCSPResponse(der: try store.read(id))
        }
    }
}
