import Foundation
import HosoCore

// MARK: - required, properties, additionalProperties

extension Compiler {
    /// `required`, `properties`, `additionalProperties`.
    mutating func readObjectKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) -> Bool {
        switch keyword {
        case "required":
            var names = [String]()
            if case .array(let list) = value {
                for v in list { if case .string(let s) = v { names.append(s) } }
                if names.count == list.count, Set(names.map { Array($0.utf8) }).count == names.count {
                    k.required = names
                    return true
                }
            }
            problem(
                .schemaInvalid, "“required” phải là mảng tên trường không trùng nhau",
                "“required” must be an array of distinct property names", at: at)
        case "properties":
            guard case .object(let props) = value else {
                problem(.schemaInvalid, "“properties” phải là đối tượng", "“properties” must be an object", at: at)
                return true
            }
            k.properties = props.map { (name: $0.key, node: sub($0.value, site, "properties", $0.key)) }
        case "additionalProperties": k.additional = sub(value, site, keyword)
        default:
            return false
        }
        return true
    }
}

extension Program {
    /// `required`, and `properties` with `additionalProperties`: objects only.
    func checkObject(
        _ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
        quick: Bool
    ) {
        switch k.check {
        case .required(let names):
            guard case .object(let members) = value else { return }
            // Documents usually list the required members first, in the schema's order: look there first.
            for (j, name) in names.enumerated()
            where !(j < members.count && UTF8Bytes.equal(members[j].key, name))
                && !members.contains(where: { UTF8Bytes.equal($0.key, name) })
            {
                // Located at the missing member: "entries/3/serial: missing" is what a registrar can act on.
                report(
                    k, node, &out, quick: quick,
                    "Thiếu trường bắt buộc “\(name)”", "Required property “\(name)” is missing",
                    title: propertyTitle(node, name) ?? node.title, at: path + [name])
                if quick { return }
            }

        case .members(let properties, let additional):
            guard case .object(let members) = value else { return }
            // Members usually come in the order the schema lists the properties: try the one after the last match
            // before searching them all (property names are unique, so either finds the same one).
            var next = 0
            for m in members {
                path.append(m.key)
                defer { path.removeLast() }
                let hinted = next < properties.count && UTF8Bytes.equal(properties[next].name, m.key) ? next : nil
                if let i = hinted ?? properties.firstIndex(where: { UTF8Bytes.equal($0.name, m.key) }) {
                    next = i + 1
                    let p = properties[i]
                    evaluate(p.node, m.value, &path, &out, quick: quick)
                } else if let additional {
                    if nodes[additional].always == false {
                        if quick {
                            out.append(Self.found)
                            return
                        }
                        let hint = Render.suggestion(m.key, properties.map(\.name))
                        out.append(
                            Violation(
                                path: path, keywordLocation: node.location + "/additionalProperties",
                                message: .both(
                                    "Trường “\(m.key)” không có trong mẫu hồ sơ\(hint.vi)",
                                    "Property “\(m.key)” is not allowed here\(hint.en)")))
                    } else {
                        evaluate(additional, m.value, &path, &out, quick: quick)
                    }
                }
                if quick && !out.isEmpty { return }
            }

        default:
            break
        }
    }

    /// The title of a property's subschema, or of the schema its lone `$ref` names.
    private func propertyTitle(_ node: CompiledNode, _ name: String) -> LocalizedText? {
        for k in node.checks {
            guard case .members(let properties, _) = k.check,
                let p = properties.first(where: { $0.name.utf8.elementsEqual(name.utf8) })
            else { continue }
            return titleFollowingRefs(p.node)
        }
        return nil
    }

    private func titleFollowingRefs(_ n: Int) -> LocalizedText? {
        var n = n
        for _ in 0..<8 {
            if let t = nodes[n].title { return t }
            guard
                let r = nodes[n].checks.lazy.compactMap({ k -> Int? in
                    if case .ref(let t) = k.check { return t }
                    return nil
                }).first
            else { return nil }
            n = r
        }
        return nil
    }
}
