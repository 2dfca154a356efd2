import Foundation
import HosoCore

// MARK: - allOf, anyOf, oneOf, not, if/then/else

extension Compiler {
    /// `allOf`, `anyOf`, `oneOf`, `not`, `if`, `then`, `else`.
    mutating func readCombinatorKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) -> Bool {
        switch keyword {
        case "allOf": k.allOf = subList(value, keyword, site)
        case "anyOf": k.anyOf = subList(value, keyword, site)
        case "oneOf": k.oneOf = subList(value, keyword, site)
        case "not": k.not = sub(value, site, keyword)
        case "if": k.ifNode = sub(value, site, keyword)
        case "then": k.thenNode = sub(value, site, keyword)
        case "else": k.elseNode = sub(value, site, keyword)
        default:
            return false
        }
        return true
    }
}

extension Program {
    /// `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`: subschemas applied to the same value.
    func checkCombinator(
        _ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
        quick: Bool
    ) {
        func fail(_ vi: @autoclosure () -> String, _ en: @autoclosure () -> String) {
            report(k, node, &out, quick: quick, vi(), en(), title: node.title, at: path)
        }

        switch k.check {
        case .allOf(let list):
            for n in list {
                evaluate(n, value, &path, &out, quick: quick)
                if quick && !out.isEmpty { return }
            }

        case .anyOf(let list):
            if !list.contains(where: { passes($0, value, &path) }) {
                // Only now, and only for a report, find out why each alternative failed.
                let why: LocalizedText = quick ? .both("", "") : Render.branches(list.map { violations($0, value, &path, quick: false) })
                fail("Không khớp phương án nào (anyOf): \(why.vi)", "Matches none of the alternatives (anyOf): \(why.en)")
            }

        case .oneOf(let list):
            let matched = list.indices.filter { passes(list[$0], value, &path) }
            if matched.isEmpty {
                let why: LocalizedText = quick ? .both("", "") : Render.branches(list.map { violations($0, value, &path, quick: false) })
                fail(
                    "Phải khớp đúng một phương án (oneOf), không khớp phương án nào: \(why.vi)",
                    "Must match exactly one alternative (oneOf); matches none: \(why.en)")
            } else if matched.count > 1 {
                let which = matched.map { String($0 + 1) }.joined(separator: ", ")
                fail(
                    "Phải khớp đúng một phương án (oneOf), nhưng khớp các phương án \(which)",
                    "Must match exactly one alternative (oneOf), but matches alternatives \(which)")
            }

        case .not(let n):
            if passes(n, value, &path) {
                if let source = forbiddenPattern(n) {
                    fail(
                        "Giá trị \(Render.value(value)) chứa phần bị cấm (khớp \(source))",
                        "Value \(Render.value(value)) contains something forbidden (matching \(source))")
                } else {
                    fail("Giá trị khớp điều kiện bị cấm (not)", "The value matches a forbidden condition (not)")
                }
            }

        case .conditional(let i, let then, let otherwise):
            if passes(i, value, &path) {
                if let then { evaluate(then, value, &path, &out, quick: quick) }
            } else if let otherwise {
                evaluate(otherwise, value, &path, &out, quick: quick)
            }

        default:
            break
        }
    }

    /// For `not: {pattern: P}` (possibly through `$ref`s), P — so the message can say what is forbidden.
    private func forbiddenPattern(_ n: Int) -> String? {
        var n = n
        for _ in 0..<8 {
            guard nodes[n].checks.count == 1 else { return nil }
            switch nodes[n].checks[0].check {
            case .ref(let t): n = t
            case .pattern(let p): return p.source
            default: return nil
            }
        }
        return nil
    }
}
