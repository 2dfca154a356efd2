import Foundation

// libFuzzer's entry point. Which reader it drives is chosen once, by HOSO_FUZZ_TARGET (tools/fuzz sets it): one
// binary, so the instrumented build of the package is made once for all harnesses.

private let target: String = {
    let name = ProcessInfo.processInfo.environment["HOSO_FUZZ_TARGET"] ?? ""
    guard FuzzTargets.names.contains(name) else {
        FileHandle.standardError.write(Data("HOSO_FUZZ_TARGET must be one of \(FuzzTargets.names)\n".utf8))
        exit(2)
    }
    return name
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTargets.run(target, bytes)
    return 0
}

/// libFuzzer's driver, from the fuzzer runtime that -sanitize=fuzzer links.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` to `<module>_main`; this one hands the command line to libFuzzer.
@_cdecl("hoso_fuzz_main")
public func hosoFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    // One run before libFuzzer starts counting: the process-lifetime caches a reader fills on first use (the embedded
    // schemas, parsed once) are made here, not during an input. LeakSanitizer would report them as leaked on that
    // input: it cannot follow the pointers Swift packs with enum tag bits.
    FuzzTargets.run(target, [])
    return runDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
