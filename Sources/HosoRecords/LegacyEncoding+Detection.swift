import Foundation
import Synchronization

/// Scoring: each word of the Windows-1252 reading that has a non-ASCII character is decoded as each
/// encoding. A word that then reads as a well-formed Vietnamese syllable is evidence for that encoding:
/// strong when the word did not already read as Vietnamese ("V¨n", "NguyÔn", "Vaên"), weak when it did
/// ("Hµ" is strong, "Hà"→"Hổ" weak), and less for one- and two-byte words. A word that decodes to something
/// no Vietnamese syllable looks like, or that the encoding leaves as un-Vietnamese as it was, counts against.
/// Unicode Vietnamese cannot pass: it either holds letters outside Windows-1252 (ư, ệ…) or its words already
/// read as Vietnamese, giving only weak evidence.
enum Detection {
    /// Net evidence a verdict needs: one strongly evidenced word of three letters or more ("NghÖ An"), or
    /// several shorter ones; a lone "Lª" is too short to tell.
    static let minimumScore = 1.0
    /// The winner must at least double the other encoding's score, so mixed or garbled text says nil.
    static let minimumMargin = 0.5

    struct Evidence {
        var good = 0.0
        var bad = 0.0
        var strongWords = 0
        var score: Double { good - bad }

        static func += (lhs: inout Evidence, rhs: Evidence) {
            lhs.good += rhs.good
            lhs.bad += rhs.bad
            lhs.strongWords += rhs.strongWords
        }
    }

    struct Tally {
        var evidence: [LegacyEncoding: Evidence] = [:]
        var legacyCells: [LegacyEncoding: Int] = [:]
        var unicodeCells = 0

        mutating func add(_ text: String, cache: inout Cache) {
            // ASCII gives no evidence either way: no word with a byte of 0x80 or more, no non-ASCII letter.
            if text.utf8.allSatisfy({ $0 < 0x80 }) { return }
            let text = VietnameseText.nfc(text)
            // Most cells hold a letter Windows-1252 cannot give (ư, ễ…): find that out before building any bytes.
            var representable = true
            for u in text.unicodeScalars where u.value > 0xFF && Windows1252.byte(u) == nil {
                representable = false
                break
            }
            guard representable, let bytes = Windows1252.bytes(of: text) else {
                if text.unicodeScalars.contains(where: { !$0.isASCII && Detection.isLetter($0) }) {
                    unicodeCells += 1
                }
                return
            }
            for encoding in LegacyEncoding.allCases {
                let cell = Detection.evidence(bytes, as: encoding, words: &cache.words)
                evidence[encoding, default: Evidence()] += cell
                if cell.strongWords > 0, cell.score > 0 { legacyCells[encoding, default: 0] += 1 }
            }
        }

        func verdict() -> LegacyEncoding? {
            let ranked = LegacyEncoding.allCases.sorted {
                evidence[$0, default: Evidence()].score > evidence[$1, default: Evidence()].score
            }
            guard let best = ranked.first else { return nil }
            let winner = evidence[best, default: Evidence()]
            let runnerUp = ranked.dropFirst().map { evidence[$0, default: Evidence()].score }.max() ?? 0
            guard winner.strongWords > 0, winner.score >= Detection.minimumScore,
                winner.score - max(runnerUp, 0) >= Detection.minimumMargin * winner.score,
                legacyCells[best, default: 0] > unicodeCells
            else { return nil }
            return best
        }
    }

    /// `properties.isAlphabetic`, answered at once for the letters of Latin-1, Latin Extended-A/B and the
    /// precomposed Vietnamese block, all alphabetic (a test checks every one).
    @inline(__always)
    static func isLetter(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if (v >= 0x1EA0 && v <= 0x1EF9) || (v >= 0xC0 && v <= 0x24F && v != 0xD7 && v != 0xF7) { return true }
        return u.properties.isAlphabetic
    }

    struct WordKey: Hashable {
        var bytes: [UInt8]
        var encoding: LegacyEncoding
    }

    /// Words already examined. A ledger repeats its words (surnames, places, grades) endlessly, and a word's
    /// evidence depends on its bytes alone.
    struct Cache {
        var words: [WordKey: Evidence] = [:]
    }

    /// The same across imports, for the whole process: ledgers share their vocabulary too. Bounded, so hostile
    /// input cannot grow it without end; past the bound, words are simply examined again.
    final class SharedWords: Sendable {
        static let shared = SharedWords()
        static let limit = 100_000
        private struct State {
            var words: [WordKey: Evidence] = [:]
        }
        private let state = Mutex(State())

        static func evidence(_ key: WordKey, compute: () -> Evidence) -> Evidence {
            let cache = shared
            if let known = cache.state.withLock({ $0.words[key] }) { return known }
            let w = compute()
            cache.state.withLock { s in
                if s.words.count < limit { s.words[key] = w }
            }
            return w
        }
    }

    static func evidence(_ bytes: [UInt8], as encoding: LegacyEncoding) -> Evidence {
        var words = [WordKey: Evidence]()
        return evidence(bytes, as: encoding, words: &words)
    }

    /// The evidence of a cell: the sum of its words' evidence, each remembered in `words`. Summing cached word
    /// evidence performs the same additions in the same order as adding each word's weight in place.
    static func evidence(_ bytes: [UInt8], as encoding: LegacyEncoding, words: inout [WordKey: Evidence]) -> Evidence {
        var result = Evidence()
        var index = 0
        while index < bytes.count {
            guard isWordByte(bytes[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
            let word = Array(bytes[index..<end])
            index = end
            guard word.contains(where: { $0 >= 0x80 }) else { continue }
            let key = WordKey(bytes: word, encoding: encoding)
            let w: Evidence
            if let known = words[key] {
                w = known
            } else {
                w = SharedWords.evidence(key) { wordEvidence(word, as: encoding) }
                words[key] = w
            }
            result.good += w.good
            result.bad += w.bad
            result.strongWords += w.strongWords
        }
        return result
    }

    /// One word's evidence (a word holding at least one byte of 0x80 or more).
    static func wordEvidence(_ word: [UInt8], as encoding: LegacyEncoding) -> Evidence {
        var result = Evidence()
        let original = String(String.UnicodeScalarView(word.map(Windows1252.scalar)))
        let decoded = strictDecode(word, as: encoding)
        if decoded == original {
            // Left as it was: neutral if that is Vietnamese ("Bích" is the same in VNI), against this
            // encoding if not ("Lª" means nothing in VNI).
            if !Orthography.isSyllable(original) { result.bad += lengthFactor(word.count) }
            return result
        }
        if let decoded, Orthography.isSyllable(decoded) {
            let alreadyVietnamese = Orthography.isSyllable(original)
            let weight = (alreadyVietnamese ? 0.25 : 1.0) * lengthFactor(word.count)
            result.good += weight
            if !alreadyVietnamese { result.strongWords += 1 }
        } else {
            result.bad += 1
        }
        return result
    }

    /// Decoding by the core table only: VN3 without VN2's additions, VNI without lone marks.
    private static func strictDecode(_ word: [UInt8], as encoding: LegacyEncoding) -> String? {
        switch encoding {
        case .tcvn3: word.contains { TCVN3Codec.isVN2Only[Int($0)] } ? nil : TCVN3Codec.decode(word)
        case .vni: VNICodec.decode(word, strict: true)
        }
    }

    /// Short words prove less: "Lª" could be a typo or a symbol, "NguyÔn" hardly.
    private static func lengthFactor(_ bytes: Int) -> Double {
        switch bytes {
        case 1: 0.5
        case 2: 0.75
        default: 1.0
        }
    }

    /// Letters and legacy letter bytes; everything else (ASCII digits and punctuation, spaces, NBSP, the
    /// Windows-1252 quotes and dashes of 0x80…0x9F) separates words in both encodings.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte >= 0xA1
    }
}

/// Whether a word is spelled like one Vietnamese syllable: Vietnamese letters only, in lower, upper or title
/// case, at most one tone, an initial consonant, a vowel nucleus and a final from the language's inventory,
/// only the acute or dot tone before a stop (c, ch, p, t), and the tone on the vowel that carries it (old and
/// new styles both: "hòa" and "hoà"). The placement rule is what tells VNI "Ngheä" (Nghệ) from its TCVN3
/// reading "Ngheọ".
enum Orthography {
    struct LetterInfo: Sendable {
        let base: Character  // lowercase, tone removed, hat/breve/horn/stroke kept
        let tone: Int  // 0 none, 1 grave, 2 hook, 3 tilde, 4 acute, 5 dot
        let isCapital: Bool
    }

    static let letters: [Character: LetterInfo] = {
        let tones: [Unicode.Scalar: Int] = ["\u{0300}": 1, "\u{0309}": 2, "\u{0303}": 3, "\u{0301}": 4, "\u{0323}": 5]
        var all = LegacyTables.vni.map(\.letter)
        for value in UInt8(ascii: "a")...UInt8(ascii: "z") {
            all.append(Character(Unicode.Scalar(value)))
            all.append(Character(Unicode.Scalar(value - 0x20)))
        }
        var map: [Character: LetterInfo] = [:]
        for letter in all {
            let lower = String(letter).lowercased()
            var tone = 0
            var rest = String.UnicodeScalarView()
            for scalar in lower.decomposedStringWithCanonicalMapping.unicodeScalars {
                if let t = tones[scalar] { tone = t } else { rest.append(scalar) }
            }
            let base = Character(VietnameseText.nfc(String(rest)))
            map[letter] = LetterInfo(base: base, tone: tone, isCapital: lower != String(letter))
        }
        return map
    }()

    static let initials: [String] = [
        "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
        "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
    ]
    static let finals: [String] = ["ch", "ng", "nh", "c", "m", "n", "p", "t", ""]
    static let stops: Set<String> = ["c", "ch", "p", "t"]
    /// Nuclei that end a syllable by themselves (they end in a glide, or need no final).
    static let openNuclei: Set<String> = [
        "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "uơ", "ưa", "ưi",
        "ưu", "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu", "yêu",
    ]
    /// Nuclei that need a final consonant.
    static let closedNuclei: Set<String> = ["ă", "â", "iê", "yê", "uyê", "uô", "ươ", "oă", "uâ", "oo"]
    /// Nuclei that take a final or not.
    static let eitherNuclei: Set<String> = ["a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy"]

    static func isSyllable(_ word: String) -> Bool {
        var infos: [LetterInfo] = []
        for character in word {
            guard let info = letters[character] else { return false }
            infos.append(info)
        }
        guard let first = infos.first else { return false }
        let rest = infos.dropFirst()
        let lower = !first.isCapital && rest.allSatisfy { !$0.isCapital }
        let upper = infos.allSatisfy(\.isCapital)
        let title = first.isCapital && rest.allSatisfy { !$0.isCapital }
        guard lower || upper || title else { return false }
        let tonedAt = infos.indices.filter { infos[$0].tone != 0 }
        guard tonedAt.count <= 1 else { return false }
        let tone = tonedAt.first.map { infos[$0].tone } ?? 0
        return parses(infos.map(\.base), tone: tone, tonedAt: tonedAt.first)
    }

    private static func parses(_ base: [Character], tone: Int, tonedAt: Int?) -> Bool {
        for initial in initials where base.starts(with: initial) {
            let afterInitial = base.dropFirst(initial.count)
            for final in finals
            where afterInitial.reversed().starts(with: final.reversed())
                && afterInitial.count > final.count
            {
                let nucleus = Array(afterInitial.dropLast(final.count))
                let key = String(nucleus)
                let fits =
                    final.isEmpty
                    ? openNuclei.contains(key) || eitherNuclei.contains(key)
                    : closedNuclei.contains(key) || eitherNuclei.contains(key)
                guard fits else { continue }
                if stops.contains(final), tone != 4, tone != 5 { continue }
                if key == "y", !final.isEmpty, initial != "qu" { continue }  // quýt, quỳnh; never "yn"
                if let tonedAt, !toneFits(nucleus, at: tonedAt - initial.count, closed: !final.isEmpty) { continue }
                return true
            }
        }
        return false
    }

    private static let modifiedVowels: Set<Character> = ["ă", "â", "ê", "ô", "ơ", "ư"]

    /// Where the tone sits in a nucleus: on its hatted or horned vowel (the second of ươ); else on the last
    /// vowel before a final; else on the middle of three, or the first of two ("mía", "cáo"), with oa, oe, uy
    /// taking either (hòa/hoà, thủy/thuỷ).
    private static func toneFits(_ nucleus: [Character], at position: Int, closed: Bool) -> Bool {
        guard nucleus.indices.contains(position) else { return false }  // the tone is on the initial's u or i
        if nucleus.count == 1 { return true }
        if let modified = nucleus.lastIndex(where: modifiedVowels.contains) { return position == modified }
        if closed { return position == nucleus.count - 1 || nucleus == ["o", "o"] }
        if nucleus.count == 3 { return position == 1 }
        if ["oa", "oe", "uy"].contains(String(nucleus)) { return true }
        return position == 0
    }
}
