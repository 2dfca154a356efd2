import HosoPrimitives
import Testing

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        // FIPS 180-2 examples.
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingEqualsOneShotOverSlices() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<(1 << 20) + 13).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let h = SHA256()
        var i = 0
        while i < data.count {
            let n = min(65_537, data.count - i)
            h.update(data[i..<(i + n)])
            i += n
        }
        #expect(h.finalize() == SHA256.hash(data))
        #expect(SHA256.hash(data[1...]) == SHA256.hash(Array(data.dropFirst())))
    }
}

@Suite struct HexTests {
    @Test func roundTripsAndRejects() {
        let bytes: [UInt8] = [0x00, 0x0F, 0xA5, 0xFF]
        #expect(Hex.encode(bytes) == "000fa5ff")
        #expect(Hex.decode("000FA5ff") == bytes)
        #expect(Hex.decode("abc") == nil)  // odd length
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
    }
}

@Suite struct JSONStringTests {
    @Test func escapesWhatJSONRequiresOnly() {
        #expect(JSONString.quoted("a/b ệ") == "\"a/b ệ\"")
        #expect(JSONString.quoted("\"\\\n\r\t\u{8}\u{c}") == #""\"\\\n\r\t\b\f""#)
        #expect(JSONString.quoted("\u{0}\u{1f}") == #""\u0000\u001f""#)
    }
}

@Suite struct ZlibTests {
    let text = Array(String(repeating: "Sổ gốc cấp bằng tốt nghiệp. ", count: 500).utf8)

    @Test(arguments: [ZlibFormat.zlib, .gzip, .raw])
    func roundTrip(format: ZlibFormat) throws {
        let packed = try Deflater.compress(text, format: format, level: 6)
        #expect(packed.count < text.count / 10)
        #expect(try Inflater.decompress(packed, format: format, limit: text.count) == text)
    }

    @Test func boundedAgainstBombs() throws {
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        let bomb = try Deflater.compress(zeros, level: 9)
        #expect(bomb.count < 16 * 1024)
        #expect(throws: ZlibDataError.self) { try Inflater.decompress(bomb, limit: 1 << 20) }
        do {
            _ = try Inflater.decompress(bomb, limit: 1 << 20)
        } catch {
            #expect(error.kind == .tooLarge)
        }
    }

    @Test func truncatedDamagedAndTrailing() throws {
        let packed = try Deflater.compress(text, level: 6)
        func kind(_ bytes: [UInt8]) -> ZlibDataError.Kind? {
            do {
                _ = try Inflater.decompress(bytes, limit: 1 << 20)
                return nil
            } catch { return error.kind }
        }
        #expect(kind(Array(packed.dropLast(9))) == .truncated)
        #expect(kind(packed + [0x00]) == .trailingData)
        var flipped = packed
        flipped[0] ^= 0xFF  // the zlib header
        #expect(kind(flipped) == .damaged)
        #expect(kind([]) == .truncated)
    }

    @Test func pushStyleMatchesOneShot() throws {
        let packed = try Deflater.compress(text, format: .gzip, level: 1)
        let z = Inflater(format: .gzip, outputCapacity: 1000)
        var out = [UInt8]()
        for start in stride(from: 0, to: packed.count, by: 7) {
            try packed[start..<min(start + 7, packed.count)].withUnsafeBytes { raw in
                try z.process(raw) { out += $0 }
            }
        }
        #expect(z.state == .finished)
        #expect(out == text)
        #expect(throws: ZlibDataError.self) { try [UInt8(1)].withUnsafeBytes { try z.process($0) { _ in } } }
    }
}

@Suite struct ParallelMapTests {
    @Test func everyItemOnceInOrderWhateverTheThreads() {
        #expect(parallelMap([Int]()) { $0 }.isEmpty)
        #expect(parallelMap([7]) { $0 * 2 } == [14])
        // Uneven work, so the threads finish out of order; the answers still come in the items' order.
        let items = Array(0..<500)
        let got = parallelMap(items) { i -> Int in
            var x = i
            for _ in 0..<((i % 7) * 2000) { x = (x &* 31) &+ 1 }
            return i * 3 + (x & 0)
        }
        #expect(got == items.map { $0 * 3 })
        #expect(parallelMap(items, most: 1) { $0 + 1 } == items.map { $0 + 1 })
    }
}
