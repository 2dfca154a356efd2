// swift-tools-version:6.1
import PackageDescription

// Strict settings for every target of ours: Swift 6 mode is the package default;
// warnings are kept at zero by review and by `make test` (which greps the build log).
let package = Package(
    name: "hoso",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hoso", targets: ["hoso"]),
        .library(name: "HosoKit", targets: ["HosoKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        // The web application (HosoServer) and the listeners of HosoTransport; the core modules never see it.
        // swift-configuration support is off:
        // settings come from our own command line.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        // TLS built into the listeners (`--tls-cert`/`--tls-key`); the versions Hummingbird resolves to.
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // The province hub's PostgreSQL (HosoPostgres, HosoPostgresIndex); schools and districts never connect to one.
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // C shims: the only places that see C macros and variadic functions.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CHosoZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo",
                       providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CZbar", pkgConfig: "zbar", providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CGdkPixbuf", pkgConfig: "gdk-pixbuf-2.0", providers: [.apt(["libgdk-pixbuf-2.0-dev"])]),

        .target(name: "CHosoSys"),
        .target(name: "HosoCore"),
        // Primitives every module shares: one SHA-256, one hex codec, one bounded zlib, one JSON string escaper.
        .target(name: "HosoPrimitives", dependencies: ["HosoCore", "COpenSSL", "CHosoZlib"]),
        .target(name: "HosoStore", dependencies: ["HosoCore", "HosoPrimitives", "CHosoSys"]),
        // The transparency log: an RFC 9162 Merkle tree over the archive's events, its files, proofs and signed checkpoints.
        .target(name: "HosoLog", dependencies: ["HosoCore", "HosoPrimitives"]),
        // Pure logic over records: canonical JSON, Vietnamese text, legacy encodings, grade rules.
        .target(name: "HosoRecords", dependencies: [
            "HosoCore", "HosoPrimitives",
        ], resources: [
            // Links to Schemas/*.schema.json, built into the binary (PackageResources; see EmbeddedSchemas.swift).
            .embedInCode("Schemas"),
        ]),
        // Grade books (sổ điểm) and transcripts (học bạ): their models, CSV layout and computations, without I/O.
        .target(name: "HosoGrades", dependencies: ["HosoCore", "HosoRecords"]),
        // The index is derived from the records (entry rows, references): it reads HosoRecords' models.
        .target(name: "HosoIndex", dependencies: [
            "HosoCore", "HosoStore", "HosoRecords",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The index in PostgreSQL for the province hub: the same answers as HosoIndex's SQLite index, through postgres-nio.
        .target(name: "HosoPostgresIndex", dependencies: [
            "HosoCore", "HosoStore", "HosoIndex", "HosoPostgres",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        // OpenSSL: keys (PKCS#12, PKCS#11), CMS/CAdES signatures, RFC 3161 timestamps, verification reports.
        .target(name: "HosoSigning", dependencies: ["HosoCore", "HosoPrimitives", "COpenSSL"]),
        // Certified copies: PDF (cairo + pango), PAdES, QR payloads (libqrencode, zbar).
        .target(name: "HosoCopies", dependencies: ["HosoCore", "HosoPrimitives", "HosoRecords", "HosoSigning", "CPangoCairo", "CQRencode", "CZbar",
                                                   "CGdkPixbuf"]),
        // HTTP transport: the small HTTP client; every listener's setup and limits (Hummingbird, TLS); the small
        // service that `tsa serve` and `sync serve` run; the time-stamp authority and client over HTTP.
        .target(name: "HosoTransport", dependencies: [
            "HosoCore", "HosoPrimitives", "HosoSigning",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        // Sync: tar and BagIt bundles, node-signed; the transport-independent HTTP sync protocol.
        .target(name: "HosoSync", dependencies: ["HosoCore", "HosoPrimitives", "HosoStore", "HosoSigning", "HosoTransport", "HosoLog"]),
        // The province hub on PostgreSQL: connections from a postgres:// URL, a blocking bridge for hoso's synchronous
        // code, errors as HosoError codes, and the content-addressed object store in tables.
        .target(name: "HosoPostgres", dependencies: [
            "HosoCore", "HosoPrimitives", "HosoStore", "HosoLog",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),  // sslmode=require/verify-full
            .product(name: "Logging", package: "swift-log"),
        ]),
        // OCR prefill of typed ledger pages: the ruled table found in the image, rows read by the tesseract command line.
        .target(name: "HosoOCR", dependencies: ["HosoCore", "HosoRecords", "CHosoSys", "CGdkPixbuf"]),
        .target(name: "HosoKit", dependencies: ["HosoCore", "HosoPrimitives", "HosoStore", "HosoIndex", "HosoRecords", "HosoGrades",
                                                "HosoSigning", "HosoCopies", "HosoSync", "HosoTransport", "HosoLog"]),
        // The province hub: HosoKit's Archive on PostgreSQL (objects, index, log, write number, write lock), so that
        // HosoKit itself never links postgres-nio, and the hub's schema in one list (`HubSchema.province`: every part's
        // migrations and tables by class). Its test suite runs the same workflows on both backends.
        .target(name: "HosoHub", dependencies: [
            "HosoCore", "HosoKit", "HosoStore", "HosoLog", "HosoAccounts", "HosoPostgres", "HosoPostgresIndex", "HosoPostgresAccounts",
        ]),
        .testTarget(name: "HosoHubTests", dependencies: [
            "HosoHub", "HosoKit", "HosoAccounts", "HosoCore", "HosoStore", "HosoRecords", "HosoPostgres", "HosoTestSupport",
        ]),
        // The teacher's signing agent (`hoso agent`): loopback HTTP for the web page, the PKCS#11 token, CAdES signing,
        // and the registry of the tokens' PKCS#11 libraries. The key stays on the teacher's machine.
        .target(name: "HosoAgent", dependencies: ["HosoCore", "HosoPrimitives", "HosoRecords", "HosoGrades", "HosoSigning", "HosoTransport"]),
        // The web application's accounts, sessions and audit log: a SQLite file of the node's own (server.sqlite).
        .target(name: "HosoAccounts", dependencies: [
            "HosoCore", "HosoPrimitives", "HosoSigning",  // password hashes, tokens, the audit chain's SHA-256
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The same accounts, sessions and audit log in the province hub's PostgreSQL, shared by its application servers;
        // its tests run one suite against both stores (a database per test on HosoTestSupport's shared cluster).
        .target(name: "HosoPostgresAccounts", dependencies: [
            "HosoCore", "HosoAccounts", "HosoPostgres", "HosoSigning", .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "HosoPostgresAccountsTests", dependencies: [
            "HosoPostgresAccounts", "HosoAccounts", "HosoPostgres", "HosoCore", "HosoKit", "HosoServer", "HosoTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),  // two servers' routers on one database
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        // The web application: server-rendered screens, the JSON API, sign-in, roles and CSRF.
        .target(name: "HosoServer", dependencies: [
            "HosoKit", "HosoAccounts", "HosoPrimitives", "HosoTransport", "CHosoSys",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),  // NIOThreadPool: the requests' blocking work
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .executableTarget(name: "hoso", dependencies: [
            "HosoKit", "HosoAccounts", "HosoServer", "HosoAgent", "HosoPostgres", "HosoHub", "HosoOCR",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // What the bench executables share: clocks, CPU time and peak RSS, percentiles, the JSON summary, exit statuses.
        .target(name: "HosoBenchSupport", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks that must measure in-process (lookup latency); run by tools/bench-records, not by tests.
        .executableTarget(name: "hoso-bench", dependencies: [
            "HosoKit", "HosoBenchSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Signing and verification rates, in-process, against `openssl speed`; run by tools/bench-signing.
        .executableTarget(name: "hoso-bench-signing", dependencies: [
            "HosoSigning", "HosoPrimitives", "HosoBenchSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Copies issued/s and verified/s, in-process, against `openssl cms -sign` and `pdfsig`; run by tools/bench-copies.
        .executableTarget(name: "hoso-bench-copies", dependencies: [
            "HosoKit", "HosoPrimitives", "HosoBenchSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Transparency log appends/s, proofs and verification rate, in-process; run by tools/bench-log.
        .executableTarget(name: "hoso-bench-log", dependencies: [
            "HosoLog", "HosoBenchSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Synthetic records and scans for tools/bench-sync (bundle and HTTP sync against git and rsync).
        .executableTarget(name: "hoso-bench-sync", dependencies: ["HosoKit", "HosoRecords", "HosoStore", "HosoBenchSupport"]),
        // The province hub's PostgreSQL index against the SQLite one (load, lookups on the standby, import rate); run by
        // tools/bench-hub, which starts the servers.
        .executableTarget(name: "hoso-bench-hub", dependencies: [
            "HosoIndex", "HosoPostgres", "HosoPostgresIndex", "HosoRecords", "HosoStore", "HosoBenchSupport",
            "HosoCore", "HosoHub", "HosoKit", "HosoSigning", "HosoSync",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),

        // What the test targets share: temporary directories, the process runner, seeded noise, the repository's
        // paths, and the demo PKI and office archive fixtures.
        .target(name: "HosoTestSupport", dependencies: ["HosoCore", "HosoSigning", "HosoRecords", "HosoKit"],
                path: "Tests/HosoTestSupport"),
        .testTarget(name: "HosoPrimitivesTests", dependencies: ["HosoPrimitives"]),
        .testTarget(name: "HosoLogTests", dependencies: ["HosoLog", "HosoPrimitives", "HosoTestSupport"]),
        .testTarget(name: "HosoStoreTests", dependencies: ["HosoStore", "HosoPrimitives", "HosoTestSupport"]),
        .testTarget(name: "HosoPostgresTests", dependencies: [
            "HosoPostgres", "HosoHub", "HosoPostgresIndex", "HosoIndex", "HosoStore", "HosoPrimitives", "HosoTestSupport",
        ]),
        .testTarget(name: "HosoIndexTests", dependencies: ["HosoIndex", "HosoTestSupport"]),
        // One suite of index questions asked of both indexes, SQLite and PostgreSQL (a database per test on the shared
        // cluster of HosoTestSupport).
        .testTarget(name: "HosoPostgresIndexTests", dependencies: [
            "HosoPostgresIndex", "HosoIndex", "HosoRecords", "HosoStore", "HosoCore", "HosoKit", "HosoTestSupport",
        ]),
        .testTarget(name: "HosoRecordsTests", dependencies: ["HosoRecords", "HosoTestSupport"]),
        .testTarget(name: "HosoSigningTests", dependencies: ["HosoSigning", "HosoTransport", "HosoPrimitives", "HosoTestSupport"]),
        .testTarget(name: "HosoCopiesTests", dependencies: ["HosoCopies", "HosoSigning", "HosoPrimitives", "HosoTestSupport"]),
        .testTarget(name: "HosoKitTests", dependencies: [
            "HosoKit", "HosoLog", "HosoTransport", "HosoPrimitives", "HosoTestSupport",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),  // to write .xlsx fixtures
        ]),
        .testTarget(name: "HosoOCRTests", dependencies: ["HosoOCR", "HosoRecords", "HosoKit", "HosoTestSupport"]),
        .testTarget(name: "HosoSyncTests", dependencies: ["HosoSync", "HosoStore", "HosoSigning", "HosoTestSupport"]),
        .testTarget(name: "HosoCLITests", dependencies: ["HosoKit", "HosoTransport", "HosoTestSupport"]),
        .testTarget(name: "HosoServerTests", dependencies: [
            "HosoServer", "HosoAccounts", "HosoKit", "HosoSigning", "HosoRecords", "HosoCopies", "HosoStore", "HosoTransport",
            "HosoTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "GRDB", package: "GRDB.swift"),  // to tamper with the audit log as an attacker would
        ]),
    ],
    swiftLanguageModes: [.v6]
)
