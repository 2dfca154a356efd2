import Foundation
import HTTPTypes
import HosoCopies
import HosoCore
import HosoKit
import HosoTestSupport
import HosoTransport
import Synchronization
import Testing

@testable import HosoServer

/// The public verification cannot take the server down or crowd out the clerks: uploads are checked in a child
/// `hoso` under limits, public checks have their own pool with a queue limit, each address has a rate limit.
@Suite struct PublicLimitsTests {
    /// A fixture with one issued copy: its PDF, its QR text and its printed number.
    static func issued(_ fx: Fixture) throws -> Archive.IssuedCopyResult {
        try Archive.open(at: fx.archivePath, clock: fx.config.clock)
            .issueCopy(entryRef: Fixture.serial, requestId: fx.requestId, signer: fx.office, clerk: "vanthu")
    }

    static func numberForm(_ copy: Archive.IssuedCopyResult) -> [(String, String)] {
        [("number", copy.register.printedNumber), ("serial", Fixture.serial)]
    }

    /// Twice each, so that with spares the second check goes to a child started while the first was answered.
    @Test(arguments: [false, true]) func genuineUploadsPassThroughTheChildCheck(spares: Bool) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        var fx = try Fixture()
        fx.config.publicChecks.warmSpares = spares
        let copy = try Self.issued(fx)
        try await fx.serve(.router) { client in
            let pub = Browser(client)
            for _ in 0..<2 {
                let (h, body) = multipart([("pdf", "ban-sao.pdf", "application/pdf", copy.pdf)])
                #expect(try await pub.request(.post, "/verify", headers: h, body: body).status == .ok)
                #expect(pub.lastBody.contains("data-indication=\"PASSED\""), "\(pub.lastBody)")
                let photo = try QRCode.png(for: copy.qrText, scale: 6)
                let (h2, body2) = multipart([("qr-image", "qr.png", "image/png", photo)])
                #expect(try await pub.request(.post, "/verify", headers: h2, body: body2).status == .ok)
                #expect(pub.lastBody.contains("data-indication=\"PASSED\""), "\(pub.lastBody)")
            }
        }
    }

    enum ChildFailure: String, CaseIterable, Sendable {
        /// The address space is set far below what a PDF check needs (64 MiB: not even the program and its libraries
        /// fit), so the child dies at start-up. Dying in the middle of a check is `aChildOutOfMemoryMidCheck…`.
        case memory
        /// The wall-clock guard kills the child (SIGKILL) before it answers.
        case killed
        /// The checker exits 0 with something that is not an answer (`echo` repeats its arguments).
        case garbage
    }

    /// However the child fails, the page says in words that the file could not be checked (422), the API says so
    /// with its code, and the same server goes on answering: a verification by number still passes.
    @Test(arguments: ChildFailure.allCases, [false, true]) func aFailedChildCostsOneAnswer(failure: ChildFailure, spares: Bool) async throws
    {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        var fx = try Fixture()
        fx.config.publicChecks.warmSpares = spares
        switch failure {
        case .memory: fx.config.publicChecks.checkMemoryBytes = 64 << 20
        case .killed: fx.config.publicChecks.checkTimeout = 0
        case .garbage: fx.config.publicChecks.checker = "/bin/echo"
        }
        let copy = try Self.issued(fx)
        try await fx.serve(.router) { client in
            let pub = Browser(client)
            let (h, body) = multipart([("pdf", "ban-sao.pdf", "application/pdf", copy.pdf)])
            let page = try await pub.request(.post, "/verify", headers: h, body: body)
            #expect(page.status == .unprocessableContent)
            #expect(pub.lastBody.contains("Không kiểm tra được tệp này"), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains("PUBLIC_CHECK_FAILED"), "no reason code for citizens")
            try await pub.request(.post, "/verify?lang=en", headers: h, body: body)
            #expect(pub.lastBody.contains("The file could not be checked"))
            let api = try await pub.request(.post, "/api/verify", headers: [.contentType: "application/pdf"], body: copy.pdf)
            #expect(api.status == .unprocessableContent)
            #expect(String(buffer: api.body).contains("PUBLIC_CHECK_FAILED"))
            // The server is still there for everyone.
            let after = try await Browser(client).post("/verify", Self.numberForm(copy), csrf: false)
            #expect(after.status == .ok)
            #expect(String(buffer: after.body).contains("data-indication=\"PASSED\""))
        }
    }

    /// The memory cap stops a child in the middle of a check, not only at start-up. The test finds the least address
    /// space in which the child answers for a small QR photo (it moves with the build, so it is measured, not written
    /// down), then gives it a little more: the small photo still reads, while a 16-megapixel photo of the same code
    /// (a PNG of a few hundred kilobytes that decodes to about 50 MB of pixels) makes the child's allocations fail mid-
    /// check: the image decoder's own allocation fails and it says the image is unreadable, or an allocation in Swift
    /// traps and the child dies ("the file could not be checked"); either is one refused upload. With room enough, the
    /// same large photo reads: it was the cap.
    @Test func aChildOutOfMemoryMidCheckCostsOneAnswer() throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let text = QRPayloadCodec.prefix + String(repeating: "HOSO", count: 20)
        let small = try QRCode.png(for: text, scale: 4)
        // The code's width in modules is the width of its PNG at one pixel a module without a border (IHDR, bytes 16–19).
        let bare = try QRCode.png(for: text, scale: 1, border: 0)
        let modules = bare[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let scale = Int(Double(QRCode.maxPixels).squareRoot()) / (modules + 128)
        let large = try QRCode.png(for: text, scale: scale, border: 64)
        #expect((modules + 128) * scale * (modules + 128) * scale > QRCode.maxPixels * 8 / 10, "the large photo is near the cap")
        func check(_ photo: [UInt8], memory: Int) -> Result<String?, any Error> {
            var limits = PublicLimits()
            limits.checkMemoryBytes = memory
            // Only memory is under test: on a busy machine a photo's child (nice +15 by default) may wait long for the
            // CPU, so time and priority get hang-guard bounds, not the server's.
            limits.checkTimeout = 3600
            limits.checkCPUSeconds = 3600
            limits.photoNice = 0
            return Result {
                try ChildCheck.run(.qrImage, bytes: photo, limits: limits, checker: hosoBinary, archivePath: "/nonexistent", now: Date())
                    .text
            }
        }
        func reads(_ photo: [UInt8], memory: Int) -> Bool { (try? check(photo, memory: memory).get()) == text }

        let mib = 1 << 20
        var (low, high) = (64 * mib, 4096 * mib)
        try #require(!reads(small, memory: low) && reads(small, memory: high))
        while high - low > 4 * mib {
            let mid = (low + high) / 2
            if reads(small, memory: mid) { high = mid } else { low = mid }
        }
        let cap = high + 24 * mib
        #expect(reads(small, memory: cap), "the small photo reads at \(cap / mib) MiB")
        let tight = check(large, memory: cap)
        guard case .failure(let e as HosoError) = tight else {
            Issue.record("the large photo was not stopped at \(cap / mib) MiB: \(tight)")
            return
        }
        #expect([HosoError.Code.publicCheckFailed, .qrImageUnreadable].contains(e.code), "\(e)")
        #expect(reads(large, memory: cap + 1024 * mib), "with room enough the large photo reads")
    }

    /// One public check at a time and one waiting: the third is refused at once (503, Retry-After, in Vietnamese)
    /// while the first is held, and a clerk's screen still answers meanwhile. The held checks finish afterwards.
    @Test func publicChecksBeyondPoolAndQueueAreRefusedAndClerksStillAnswer() async throws {
        var fx = try Fixture()
        let gate = PublicCheckGate()
        fx.config.publicChecks.concurrent = 1
        fx.config.publicChecks.queue = 1
        fx.config.publicChecks.gate = gate
        let copy = try Self.issued(fx)
        try await fx.serve(.router) { client in
            let clerk = Browser(client)
            try await clerk.login("clerk")
            async let first = Browser(client).post("/verify", Self.numberForm(copy), csrf: false)
            await gate.reached(admitted: 1)
            async let second = Browser(client).post("/verify", Self.numberForm(copy), csrf: false)
            await gate.reached(admitted: 1, queued: 1)

            let third = try await Browser(client).post("/verify", Self.numberForm(copy), csrf: false)
            #expect(third.status == .serviceUnavailable)
            #expect(third.headers[.retryAfter] != nil)
            #expect(String(buffer: third.body).contains("Máy chủ đang bận"))
            #expect(try await clerk.get("/requests").status == .ok, "the clerk's screen does not wait behind public checks")

            gate.open()
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
        }
    }

    /// A fixture whose public pages allow 2 requests at once, then 6 a minute, on `clock`, behind a trusted proxy.
    static func limited(_ clock: ManualClock) throws -> Fixture {
        var fx = try Fixture()
        fx.config.publicChecks.burst = 2
        fx.config.publicChecks.perMinute = 6
        fx.config.publicChecks.rateClock = { clock.now }
        fx.config.trustedProxies = ["local", "127.0.0.1"]
        return fx
    }

    /// A bucket of 2 refilled at 6 a minute, on a clock the test moves: the third request is told to wait (429,
    /// Retry-After, in Vietnamese), another address is not, and ten seconds later the first may ask again.
    @Test func publicPagesHaveARateLimitPerAddress() async throws {
        let clock = ManualClock()
        let fx = try Self.limited(clock)
        let copy = try Self.issued(fx)
        try await fx.serve(.router) { client in
            let pub = Browser(client)
            #expect(try await pub.get("/verify").status == .ok)
            #expect(try await pub.post("/verify", Self.numberForm(copy), csrf: false).status == .ok)
            let refused = try await pub.get("/verify")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "10")
            #expect(pub.lastBody.contains("Xin đợi"), "\(pub.lastBody)")
            let api = try await pub.request(
                .post, "/api/verify", headers: [.contentType: "application/json"],
                body: Array(try JSONSerialization.data(withJSONObject: ["number": copy.register.printedNumber, "serial": Fixture.serial])))
            #expect(api.status == .tooManyRequests)
            #expect(String(buffer: api.body).contains("PUBLIC_RATE_LIMITED"))
            // Someone else, behind the trusted proxy, is not held back.
            #expect(try await pub.request(.get, "/verify", headers: [.xForwardedFor: "203.0.113.9"]).status == .ok)
            // The clerks' pages are not limited.
            #expect(try await pub.get("/login").status == .ok)
            clock.advance(10)
            #expect(try await pub.get("/verify").status == .ok)
            #expect(try await pub.get("/verify").status == .tooManyRequests)
        }
    }

    /// A client with a /64 (what one IPv6 subscriber or host is given) is one client: a fresh address of it for each
    /// request does not get past the limit, while another /64 is someone else. An IPv4 address written as IPv6 counts
    /// as the IPv4 address; the login throttle's address key follows the same rule.
    @Test func anIPv6ClientIsCountedByItsSlash64() async throws {
        #expect(ClientAddress.limitKey("203.0.113.7") == "203.0.113.7")
        #expect(ClientAddress.limitKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:DB8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(ClientAddress.limitKey("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(ClientAddress.limitKey("fe80::1%eth0") == "fe80:0:0:0::/64")
        #expect(ClientAddress.limitKey("unknown") == "unknown")
        let clock = ManualClock()
        let fx = try Self.limited(clock)
        try await fx.serve(.router) { client in
            let pub = Browser(client)
            let tries: [(String, HTTPResponse.Status)] = [
                ("2001:db8:1:2::1", .ok), ("2001:db8:1:2::2", .ok), ("2001:db8:1:2:dead:beef:0:3", .tooManyRequests),
                ("2001:db8:1:3::1", .ok), ("::ffff:203.0.113.20", .ok), ("203.0.113.20", .ok), ("203.0.113.20", .tooManyRequests),
            ]
            for (address, expected) in tries {
                let status = try await pub.request(.get, "/verify", headers: [.xForwardedFor: address]).status
                #expect(status == expected, "\(address)")
            }
        }
    }

    /// A client that fills the limiter's table with addresses (a botnet, or many /64s) does not reset the limits:
    /// the buckets closest to full are forgotten first, so an address that is held back stays held back. Before,
    /// a full table was emptied.
    @Test func aFullRateTableForgetsTheFullestBucketsNotTheLimitedOnes() {
        let clock = ManualClock()
        var limits = PublicLimits()
        limits.burst = 2
        limits.perMinute = 1
        limits.rateClock = { clock.now }
        let limiter = RateLimiter(limits: limits)
        #expect(limiter.take("198.51.100.7") == nil)
        #expect(limiter.take("198.51.100.7") == nil)
        #expect(limiter.take("198.51.100.7") != nil)
        let refused = (0..<RateLimiter.maxAddresses).filter { i in limiter.take("10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)") != nil }
        #expect(refused.isEmpty)
        #expect(limiter.take("198.51.100.7") != nil)
    }

    /// A QR photo one row over the pixel cap is refused with its size named, before any pixel is decoded.
    @Test func aQRPhotoOverThePixelCapIsRefused() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let fx = try Fixture()
        let side = Int(Double(QRCode.maxPixels).squareRoot())
        let over = pngHead(width: side, height: QRCode.maxPixels / side + 1)
        try await fx.serve(.router) { client in
            let pub = Browser(client)
            let (h, body) = multipart([("qr-image", "qr.png", "image/png", over)])
            #expect(try await pub.request(.post, "/verify", headers: h, body: body).status == .badRequest)
            #expect(pub.lastBody.contains("quá"), "\(pub.lastBody)")
            let api = try await pub.request(.post, "/api/verify", headers: [.contentType: "image/png"], body: over)
            #expect(String(buffer: api.body).contains("QR_IMAGE_TOO_LARGE"), "\(String(buffer: api.body))")
        }
    }

    /// A session unused for longer than the idle timeout ends; the sign-in form keeps the page asked for.
    @Test func anIdleSessionEndsAndTheSignInKeepsThePath() async throws {
        var fx = try Fixture()
        let clock = ManualClock(start: fx.config.clock.now().timeIntervalSince1970)
        fx.config.clock = HosoClock { Date(timeIntervalSince1970: clock.now) }
        fx.config.sessionIdleTimeout = 30 * 60
        try await fx.serve(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            #expect(try await b.get("/requests").status == .ok)
            // Used every 29 minutes, it lives on past the idle timeout.
            for _ in 0..<3 {
                clock.advance(29 * 60)
                #expect(try await b.get("/requests").status == .ok)
            }
            clock.advance(31 * 60)
            let idle = try await b.get("/requests")
            #expect(idle.status == .unauthorized)
            #expect(b.lastBody.contains(#"name="next" value="/requests""#), "\(b.lastBody)")
            let again = try await b.post("/login", [("user", "clerk"), ("password", Fixture.password), ("next", "/requests")])
            #expect(again.status == .seeOther)
            #expect(again.headers[.location] == "/requests")
        }
    }
}

/// A clock that moves only when told.
final class ManualClock: Sendable {
    private let t: Mutex<Double>
    init(start: Double = 1000) { t = Mutex(start) }
    var now: Double { t.withLock { $0 } }
    func advance(_ seconds: Double) { t.withLock { $0 += seconds } }
}

/// A PNG signature and header chunk for an image of this size (no pixel data): enough for the size check.
func pngHead(width: Int, height: Int) -> [UInt8] {
    func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    let ihdr = Array("IHDR".utf8) + be32(width) + be32(height) + [8, 0, 0, 0, 0]
    var crc: UInt32 = 0xffff_ffff
    for b in ihdr {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    crc ^= 0xffff_ffff
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + ihdr + be32(Int(crc))
}
