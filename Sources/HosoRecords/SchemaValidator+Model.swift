import Foundation
import HosoCore

// MARK: - Compiled form

enum JSONType: String, Sendable, CaseIterable {
    case null, boolean, object, array, number, string, integer

    var vi: String {
        switch self {
        case .null: return "null"
        case .boolean: return "đúng/sai (boolean)"
        case .object: return "đối tượng"
        case .array: return "mảng"
        case .number: return "số"
        case .string: return "chuỗi"
        case .integer: return "số nguyên"
        }
    }

    static func of(_ v: JSONValue) -> JSONType {
        switch v {
        case .null: return .null
        case .bool: return .boolean
        case .object: return .object
        case .array: return .array
        case .string: return .string
        case .number(let d): return d.isFinite && d == d.rounded(.towardZero) ? .integer : .number
        }
    }

    func admits(_ v: JSONValue) -> Bool {
        let actual = JSONType.of(v)
        return actual == self || (self == .number && actual == .integer)
    }
}

enum Format: String, Sendable {
    case date
    case dateTime = "date-time"
}

enum Check: Sendable {
    case ref(Int)
    case type([JSONType])
    case enumeration([JSONValue])
    case constant(JSONValue)
    case format(Format)
    case pattern(Pattern)
    case minLength(Int)
    case maxLength(Int)
    case minimum(Double)
    case maximum(Double)
    case exclusiveMinimum(Double)
    case exclusiveMaximum(Double)
    case required([String])
    /// `properties` and `additionalProperties` together, so members are checked in the document's order.
    case members(properties: [(name: String, node: Int)], additional: Int?)
    case items(prefix: [Int], rest: Int?)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
}

struct KeyedCheck: Sendable {
    var keyword: String
    var check: Check
}

struct Node: Sendable {
    /// Where the subschema is, for messages: `ledger.schema.json#/$defs/entry`.
    var location: String
    var title: LocalizedText?
    /// A boolean schema (`true` / `false`).
    var always: Bool?
    var checks: [KeyedCheck] = []
}

struct Violation {
    var path: [String]
    var keywordLocation: String
    var message: LocalizedText
}

// MARK: - Validation

/// A node as validation reads it: a class, so reaching a node and its checks costs a reference, not a copy
/// of every field (copies were most of the time spent validating a ledger's thousands of values).
final class CompiledNode: Sendable {
    let location: String
    let title: LocalizedText?
    let always: Bool?
    let checks: [CompiledCheck]

    init(_ n: Node) {
        location = n.location
        title = n.title
        always = n.always
        checks = n.checks.map { CompiledCheck(keyword: $0.keyword, check: $0.check) }
    }
}

final class CompiledCheck: Sendable {
    let keyword: String
    let check: Check

    init(keyword: String, check: Check) {
        self.keyword = keyword
        self.check = check
    }
}

final class Program: Sendable {
    let nodes: [CompiledNode]

    init(nodes: [Node]) { self.nodes = nodes.map(CompiledNode.init) }

    /// Appends the violations of node `n` by `value` at `path`. `quick` only asks whether there is one: it stops
    /// at the first and composes no message (the messages cost more than the checks).
    func evaluate(_ n: Int, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation], quick: Bool) {
        // Most values are strings, and most are valid: a plain yes/no walk over the checks answers that without
        // paths, messages or result lists. Only a string that fails is walked again below, for its violations.
        if case .string(let s) = value, stringPasses(n, s) { return }
        let node = nodes[n]
        if let always = node.always {
            if !always {
                if quick {
                    out.append(Self.found)
                    return
                }
                let name = path.last.map { "“\($0)”: " } ?? ""
                out.append(
                    Violation(
                        path: path, keywordLocation: node.location,
                        message: .both(name + "không được có giá trị ở vị trí này", name + "no value is allowed here")))
            }
            return
        }
        for k in node.checks {
            check(k, node, value, &path, &out, quick: quick)
            if quick && !out.isEmpty { return }
        }
    }

    /// Whether string `s` satisfies node `n`: exactly when `evaluate` would find no violation. Checks that only
    /// apply to numbers, objects or arrays pass, as `check` lets them.
    private func stringPasses(_ n: Int, _ s: String) -> Bool {
        let node = nodes[n]
        if let always = node.always { return always }
        for k in node.checks {
            switch k.check {
            case .ref(let target):
                if !stringPasses(target, s) { return false }
            case .type(let types):
                if !types.contains(.string) { return false }  // JSONType.admits: a string is only a string
            case .enumeration(let allowed):
                if !allowed.contains(where: {
                    if case .string(let a) = $0 { return UTF8Bytes.equal(a, s) }
                    return false
                }) {
                    return false
                }
            case .constant(let expected):
                guard case .string(let a) = expected, UTF8Bytes.equal(a, s) else { return false }
            case .format(let f):
                switch f {
                case .date: if !Formats.isDate(s) { return false }
                case .dateTime: if !Formats.isDateTime(s) { return false }
                }
            case .pattern(let pattern):
                if !pattern.matches(s) { return false }
            case .minLength(let m):
                if s.utf8.count < 4 * m && s.unicodeScalars.count < m { return false }
            case .maxLength(let m):
                if s.utf8.count > m && s.unicodeScalars.count > m { return false }
            case .minimum, .maximum, .exclusiveMinimum, .exclusiveMaximum, .required, .members, .items, .minItems, .maxItems,
                .uniqueItems:
                continue
            case .allOf(let list):
                for t in list where !stringPasses(t, s) { return false }
            case .anyOf(let list):
                if !list.contains(where: { stringPasses($0, s) }) { return false }
            case .oneOf(let list):
                var matched = 0
                for t in list where stringPasses(t, s) { matched += 1 }
                if matched != 1 { return false }
            case .not(let t):
                if stringPasses(t, s) { return false }
            case .conditional(let i, let then, let otherwise):
                if stringPasses(i, s) {
                    if let then, !stringPasses(then, s) { return false }
                } else if let otherwise, !stringPasses(otherwise, s) {
                    return false
                }
            }
        }
        return true
    }

    /// What `quick` evaluation records: that something failed.
    static let found = Violation(path: [], keywordLocation: "", message: .both("", ""))

    func violations(_ n: Int, _ value: JSONValue, _ path: inout [String], quick: Bool) -> [Violation] {
        var out = [Violation]()
        evaluate(n, value, &path, &out, quick: quick)
        return out
    }

    func passes(_ n: Int, _ value: JSONValue, _ path: inout [String]) -> Bool {
        violations(n, value, &path, quick: true).isEmpty
    }

    func check(
        _ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
        quick: Bool
    ) {
        switch k.check {
        case .ref(let target):
            evaluate(target, value, &path, &out, quick: quick)
        case .type, .enumeration, .constant, .minimum, .maximum, .exclusiveMinimum, .exclusiveMaximum:
            checkValue(k, node, value, &path, &out, quick: quick)
        case .format, .pattern, .minLength, .maxLength:
            checkString(k, node, value, &path, &out, quick: quick)
        case .required, .members:
            checkObject(k, node, value, &path, &out, quick: quick)
        case .items, .minItems, .maxItems, .uniqueItems:
            checkArray(k, node, value, &path, &out, quick: quick)
        case .allOf, .anyOf, .oneOf, .not, .conditional:
            checkCombinator(k, node, value, &path, &out, quick: quick)
        }
    }

    /// Appends the violation of check `k` of `node` at `instance`; in quick mode only that there is one.
    /// Messages are autoclosures: in quick mode they are never built.
    func report(
        _ k: CompiledCheck, _ node: CompiledNode, _ out: inout [Violation], quick: Bool, _ vi: @autoclosure () -> String,
        _ en: @autoclosure () -> String, title: LocalizedText?, at instance: @autoclosure () -> [String]
    ) {
        if quick {
            out.append(Self.found)
            return
        }
        let vi = vi()
        let en = en()
        var message = LocalizedText.both(vi, en)
        if let title { message = .both(vi + " — " + title.vi, en + " — " + title.en) }
        out.append(Violation(path: instance(), keywordLocation: node.location + "/" + Pointer.escape(k.keyword), message: message))
    }
}
