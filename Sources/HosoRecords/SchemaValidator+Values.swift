import Foundation
import HosoCore

// MARK: - type, enum, const, and the bounds of numbers

extension Compiler {
    /// `type`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`.
    mutating func readValueKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) -> Bool {
        switch keyword {
        case "type":
            var names = [JSONValue]()
            if case .array(let list) = value { names = list } else { names = [value] }
            let parsed = names.compactMap { v -> JSONType? in
                if case .string(let s) = v { return JSONType(rawValue: s) }
                return nil
            }
            if parsed.isEmpty || parsed.count != names.count || Set(parsed).count != parsed.count {
                problem(
                    .schemaInvalid, "“type” phải là tên kiểu JSON hoặc mảng tên không trùng nhau",
                    "“type” must be a JSON type name or an array of distinct names", at: at)
            } else {
                k.type = parsed
            }
        case "enum":
            guard case .array(let list) = value else {
                problem(.schemaInvalid, "“enum” phải là mảng", "“enum” must be an array", at: at)
                return true
            }
            k.enumeration = list
        case "const":
            k.constant = value
        case "minimum": k.minimum = number(value, keyword, site)
        case "maximum": k.maximum = number(value, keyword, site)
        case "exclusiveMinimum": k.exclusiveMinimum = number(value, keyword, site)
        case "exclusiveMaximum": k.exclusiveMaximum = number(value, keyword, site)
        default:
            return false
        }
        return true
    }
}

extension Program {
    /// `type`, `enum`, `const` and the bounds of numbers.
    func checkValue(
        _ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
        quick: Bool
    ) {
        func fail(_ vi: @autoclosure () -> String, _ en: @autoclosure () -> String) {
            report(k, node, &out, quick: quick, vi(), en(), title: node.title, at: path)
        }

        switch k.check {
        case .type(let types):
            if !types.contains(where: { $0.admits(value) }) {
                fail(
                    "Sai kiểu dữ liệu: cần \(types.map(\.vi).joined(separator: " hoặc ")), nhận được \(JSONType.of(value).vi)",
                    "Wrong type: expected \(types.map(\.rawValue).joined(separator: " or ")), got \(JSONType.of(value).rawValue)")
            }

        case .enumeration(let allowed):
            if !allowed.contains(where: { JSONEquality.equal($0, value) }) {
                fail(
                    "Giá trị \(Render.value(value)) không thuộc danh sách cho phép: \(allowed.map(Render.value).joined(separator: ", "))\(Render.nfcHint(value, allowed).vi)",
                    "Value \(Render.value(value)) is not one of the allowed values: \(allowed.map(Render.value).joined(separator: ", "))\(Render.nfcHint(value, allowed).en)"
                )
            }

        case .constant(let expected):
            if !JSONEquality.equal(expected, value) {
                fail(
                    "Giá trị phải là \(Render.value(expected)), nhận được \(Render.value(value))\(Render.nfcHint(value, [expected]).vi)",
                    "The value must be \(Render.value(expected)); got \(Render.value(value))\(Render.nfcHint(value, [expected]).en)")
            }

        case .minimum(let bound):
            if case .number(let d) = value, !(d >= bound) {
                fail(
                    "Giá trị phải ≥ \(Render.number(bound)), nhận được \(Render.number(d))",
                    "The value must be ≥ \(Render.number(bound)); got \(Render.number(d))")
            }
        case .maximum(let bound):
            if case .number(let d) = value, !(d <= bound) {
                fail(
                    "Giá trị phải ≤ \(Render.number(bound)), nhận được \(Render.number(d))",
                    "The value must be ≤ \(Render.number(bound)); got \(Render.number(d))")
            }
        case .exclusiveMinimum(let bound):
            if case .number(let d) = value, !(d > bound) {
                fail(
                    "Giá trị phải > \(Render.number(bound)), nhận được \(Render.number(d))",
                    "The value must be > \(Render.number(bound)); got \(Render.number(d))")
            }
        case .exclusiveMaximum(let bound):
            if case .number(let d) = value, !(d < bound) {
                fail(
                    "Giá trị phải < \(Render.number(bound)), nhận được \(Render.number(d))",
                    "The value must be < \(Render.number(bound)); got \(Render.number(d))")
            }

        default:
            break
        }
    }
}

/// JSON equality as JSON Schema defines it.
enum JSONEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        // Code points, not Swift's canonical equivalence.
        case (.string(let x), .string(let y)): return UTF8Bytes.equal(x, y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count
                && x.allSatisfy { m in
                    y.contains { UTF8Bytes.equal($0.key, m.key) && equal($0.value, m.value) }
                }
        default: return false
        }
    }
}
