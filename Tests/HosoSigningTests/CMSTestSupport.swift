import Foundation
import HosoTestSupport

@testable import HosoSigning

/// A throwaway CA and signers made with the openssl command line, independent of hoso's own PKI code.
struct OpenSSLFixture {
    let dir: String

    init() throws {
        dir = try scratchDirectory("fixture")
        let script = """
            set -e
            cat > ext.cnf <<'X'
            [ca]
            basicConstraints=critical,CA:true
            keyUsage=critical,keyCertSign,cRLSign
            subjectKeyIdentifier=hash
            [signer]
            basicConstraints=CA:false
            keyUsage=critical,digitalSignature,nonRepudiation
            extendedKeyUsage=emailProtection
            subjectKeyIdentifier=hash
            authorityKeyIdentifier=keyid
            [wrongusage]
            basicConstraints=CA:false
            keyUsage=critical,keyEncipherment
            subjectKeyIdentifier=hash
            [tsa]
            basicConstraints=CA:false
            keyUsage=critical,digitalSignature,nonRepudiation
            extendedKeyUsage=critical,timeStamping
            X
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem \
              -subj '/CN=Fixture Root' -days 3650 -addext 'basicConstraints=critical,CA:true' -addext 'keyUsage=critical,keyCertSign,cRLSign'
            serial=100
            issue() { # name keyalg ext
              serial=$((serial + 1))
              openssl req -new -newkey $2 -nodes -keyout $1.key -out $1.csr -subj "/CN=$1/O=Trường THCS Thử" -utf8
              openssl x509 -req -in $1.csr -CA root.pem -CAkey root.key -set_serial $serial -days 365 \
                -extfile ext.cnf -extensions $3 -out $1.pem
              openssl pkcs12 -export -inkey $1.key -in $1.pem -certfile root.pem -out $1.p12 -passout pass:secret -name $1
            }
            issue rsa rsa:2048 signer
            issue ec "ec -pkeyopt ec_paramgen_curve:P-256" signer
            issue rsa1024 rsa:1024 signer
            issue wrongusage "ec -pkeyopt ec_paramgen_curve:P-256" wrongusage
            issue tsa "ec -pkeyopt ec_paramgen_curve:P-256" tsa
            """
        let r = try shell(script, in: dir)
        if r.status != 0 { throw FixtureError("openssl fixture", output: r.output) }
    }

    func identity(_ name: String) throws -> SigningIdentity {
        try PKCS12.open([UInt8](FileManager.default.contents(atPath: "\(dir)/\(name).p12")!), password: "secret")
    }

    func root() throws -> Certificate { try Certificate.load(file: "\(dir)/root.pem")[0] }
}
