// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for hoso's readers of outside bytes (see tools/fuzz, `make fuzz`). A package of its own, so the
// main build never sees -sanitize=fuzzer; tools/fuzz builds it with `-Xswiftc -sanitize=fuzzer`, which instruments
// every Swift module (hoso's included) for coverage and links libFuzzer's main.
let package = Package(
    name: "hoso-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "hoso", path: "..")],
    targets: [
        .executableTarget(
            name: "hoso-fuzz", dependencies: [.product(name: "HosoKit", package: "hoso")], path: "Sources/HosoFuzz",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    ],
    swiftLanguageModes: [.v6]
)
