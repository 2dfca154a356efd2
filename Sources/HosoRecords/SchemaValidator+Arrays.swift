import Foundation
import HosoCore

// MARK: - prefixItems, items, minItems, maxItems, uniqueItems

extension Compiler {
    /// `prefixItems`, `items`, `minItems`, `maxItems`, `uniqueItems`.
    mutating func readArrayKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) -> Bool {
        switch keyword {
        case "prefixItems": k.prefixItems = subList(value, keyword, site)
        case "items":
            if case .array = value {
                // The array form is draft 2019-09 and earlier; 2020-12 spells it prefixItems.
                problem(
                    .schemaUnsupported, "“items” dạng mảng là của bản nháp cũ; dùng “prefixItems”",
                    "The array form of “items” is from older drafts; use “prefixItems”", at: at)
                return true
            }
            k.items = sub(value, site, keyword)
        case "minItems": k.minItems = count(value, keyword, site)
        case "maxItems": k.maxItems = count(value, keyword, site)
        case "uniqueItems":
            guard case .bool(let b) = value else {
                problem(.schemaInvalid, "“uniqueItems” phải là true/false", "“uniqueItems” must be true or false", at: at)
                return true
            }
            k.uniqueItems = b
        default:
            return false
        }
        return true
    }
}

extension Program {
    /// `prefixItems` with `items`, `minItems`, `maxItems`, `uniqueItems`: arrays only.
    func checkArray(
        _ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
        quick: Bool
    ) {
        func fail(_ vi: @autoclosure () -> String, _ en: @autoclosure () -> String) {
            report(k, node, &out, quick: quick, vi(), en(), title: node.title, at: path)
        }

        switch k.check {
        case .items(let prefix, let rest):
            guard case .array(let elements) = value else { return }
            for (i, e) in elements.enumerated() {
                guard let n = i < prefix.count ? prefix[i] : rest else { continue }
                path.append(String(i))
                evaluate(n, e, &path, &out, quick: quick)
                path.removeLast()
                if quick && !out.isEmpty { return }
            }

        case .minItems(let n):
            if case .array(let a) = value, a.count < n {
                fail("Cần ít nhất \(n) phần tử, có \(a.count)", "At least \(n) items needed; there are \(a.count)")
            }
        case .maxItems(let n):
            if case .array(let a) = value, a.count > n {
                fail("Tối đa \(n) phần tử, có \(a.count)", "At most \(n) items allowed; there are \(a.count)")
            }
        case .uniqueItems:
            guard case .array(let a) = value else { return }
            for j in a.indices {
                if let i = a[..<j].firstIndex(where: { JSONEquality.equal($0, a[j]) }) {
                    report(
                        k, node, &out, quick: quick,
                        "Phần tử trùng với phần tử #\(i) (các phần tử phải khác nhau)",
                        "Item duplicates item #\(i) (items must be distinct)",
                        title: node.title, at: path + [String(j)])
                    if quick { return }
                }
            }

        default:
            break
        }
    }
}
