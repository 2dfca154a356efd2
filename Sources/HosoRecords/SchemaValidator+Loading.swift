import Foundation
import HosoCore

// MARK: - Loading

struct Compiler {
    var registry = [String: JSONValue]()
    var nodes = [Node]()
    var problems = [HosoError]()
    /// "uri#/json/pointer" → node, for every subschema of every compiled resource.
    private var address = [String: Int]()
    private var compiled = Set<String>()
    private var pending = [(node: Int, slot: Int, ref: String, base: String, at: String)]()

    static let annotations = Set(SchemaValidator.annotationKeywords)

    mutating func problem(_ code: HosoError.Code, _ vi: String, _ en: String, at location: String) {
        problems.append(HosoError(code, .both(vi, en), location: location))
    }

    mutating func compileResource(uri: String, schema: JSONValue) -> Int {
        compiled.insert(uri)
        let location = URIs.display(uri) + "#"
        if case .string(let declared)? = schema["$id"], URIs.document(declared, against: SchemaValidator.baseURI) != uri {
            problem(
                .schemaInvalid, "$id “\(declared)” không khớp với tên đăng ký \(uri)",
                "$id “\(declared)” does not match the name it is registered under, \(uri)", at: location + "/$id")
        }
        return compile(schema, uri: uri, pointer: [], isResourceRoot: true)
    }

    mutating func compile(_ schema: JSONValue, uri: String, pointer: [String], isResourceRoot: Bool = false) -> Int {
        let location = URIs.display(uri) + "#" + Pointer.render(pointer)
        let index = nodes.count
        nodes.append(Node(location: location))
        address[uri + "#" + Pointer.render(pointer)] = index
        guard case .object(let members) = schema else {
            if case .bool(let b) = schema {
                nodes[index].always = b
            } else {
                problem(
                    .schemaInvalid, "Lược đồ phải là đối tượng hoặc true/false", "A schema must be an object or true/false",
                    at: location)
            }
            return index
        }
        let site = Site(uri: uri, pointer: pointer, location: location, index: index, isResourceRoot: isResourceRoot)
        var k = Keywords()
        for m in members {
            readKeyword(m.key, m.value, at: location + "/" + Pointer.escape(m.key), site, &k)
        }
        if k.ifNode == nil && (k.thenNode != nil || k.elseNode != nil) {
            // Without "if" they would be ignored: surely a mistake in the schema.
            problem(.schemaInvalid, "“then”/“else” không có “if”", "“then”/“else” without “if”", at: location)
        }
        nodes[index].checks = assembleChecks(k, site)
        return index
    }

    /// One keyword of a subschema, read into `k` by its family; a keyword no family knows refuses the schema.
    mutating func readKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) {
        if readCoreKeyword(keyword, value, at: at, site, &k) { return }
        if readValueKeyword(keyword, value, at: at, site, &k) { return }
        if readStringKeyword(keyword, value, at: at, site, &k) { return }
        if readObjectKeyword(keyword, value, at: at, site, &k) { return }
        if readArrayKeyword(keyword, value, at: at, site, &k) { return }
        if readCombinatorKeyword(keyword, value, at: at, site, &k) { return }
        problem(
            .schemaUnsupported,
            "Từ khoá “\(keyword)” không được hỗ trợ; lược đồ bị từ chối để không kiểm tra thiếu",
            "Keyword “\(keyword)” is not supported; the schema is refused rather than checked in part", at: at)
    }

    /// The checks of a subschema's keywords, in a fixed order.
    mutating func assembleChecks(_ k: Keywords, _ site: Site) -> [KeyedCheck] {
        // A fixed order, so errors come out in the same order whatever the schema's member order.
        var checks = [KeyedCheck]()
        func add(_ keyword: String, _ check: Check?) { if let check { checks.append(KeyedCheck(keyword: keyword, check: check)) } }
        if let ref = k.ref {
            pending.append((node: site.index, slot: checks.count, ref: ref.0, base: site.uri, at: ref.1))
            add("$ref", .ref(-1))
        }
        add("type", k.type.map { .type($0) })
        add("enum", k.enumeration.map { .enumeration($0) })
        add("const", k.constant.map { .constant($0) })
        add("format", k.format.map { .format($0) })
        add("pattern", k.pattern.map { .pattern($0) })
        add("minLength", k.minLength.map { .minLength($0) })
        add("maxLength", k.maxLength.map { .maxLength($0) })
        add("minimum", k.minimum.map { .minimum($0) })
        add("maximum", k.maximum.map { .maximum($0) })
        add("exclusiveMinimum", k.exclusiveMinimum.map { .exclusiveMinimum($0) })
        add("exclusiveMaximum", k.exclusiveMaximum.map { .exclusiveMaximum($0) })
        add("required", k.required.map { .required($0) })
        if k.properties != nil || k.additional != nil {
            add(
                k.properties != nil ? "properties" : "additionalProperties",
                .members(properties: k.properties ?? [], additional: k.additional))
        }
        if k.prefixItems != nil || k.items != nil {
            add(k.items != nil ? "items" : "prefixItems", .items(prefix: k.prefixItems ?? [], rest: k.items))
        }
        add("minItems", k.minItems.map { .minItems($0) })
        add("maxItems", k.maxItems.map { .maxItems($0) })
        add("uniqueItems", k.uniqueItems ? .uniqueItems : nil)
        add("allOf", k.allOf.map { .allOf($0) })
        add("anyOf", k.anyOf.map { .anyOf($0) })
        add("oneOf", k.oneOf.map { .oneOf($0) })
        add("not", k.not.map { .not($0) })
        add("if", k.ifNode.map { .conditional(if: $0, then: k.thenNode, else: k.elseNode) })
        return checks
    }

    /// A subschema of this one, at `tokens` below it.
    mutating func sub(_ value: JSONValue, _ site: Site, _ tokens: String...) -> Int {
        compile(value, uri: site.uri, pointer: site.pointer + tokens)
    }

    /// The subschemas of a keyword whose value is a non-empty array of them.
    mutating func subList(_ value: JSONValue, _ keyword: String, _ site: Site) -> [Int]? {
        guard case .array(let items) = value, !items.isEmpty else {
            problem(
                .schemaInvalid, "“\(keyword)” phải là mảng lược đồ không rỗng", "“\(keyword)” must be a non-empty array of schemas",
                at: site.location + "/" + keyword)
            return nil
        }
        return items.indices.map { compile(items[$0], uri: site.uri, pointer: site.pointer + [keyword, String($0)]) }
    }

    mutating func count(_ value: JSONValue, _ keyword: String, _ site: Site) -> Int? {
        if case .number(let d) = value, d >= 0, d == d.rounded(), d < 1e15 { return Int(d) }
        problem(
            .schemaInvalid, "“\(keyword)” phải là số nguyên không âm", "“\(keyword)” must be a non-negative integer",
            at: site.location + "/" + keyword)
        return nil
    }

    mutating func number(_ value: JSONValue, _ keyword: String, _ site: Site) -> Double? {
        if case .number(let d) = value { return d }
        problem(.schemaInvalid, "“\(keyword)” phải là số", "“\(keyword)” must be a number", at: site.location + "/" + keyword)
        return nil
    }

    /// Resolves every `$ref`, loading the registry's schemas it reaches (which may add more references).
    mutating func resolveReferences() {
        while let r = pending.popLast() {
            let (document, fragment) = URIs.split(URIs.resolve(r.ref, against: r.base))
            guard fragment.isEmpty || fragment.hasPrefix("/") else {
                problem(
                    .schemaUnsupported, "“$ref” tới neo (anchor) không được hỗ trợ: \(r.ref)",
                    "“$ref” to an anchor is not supported: \(r.ref)", at: r.at)
                continue
            }
            if !compiled.contains(document) {
                guard let schema = registry[document] else {
                    problem(
                        .schemaInvalid, "“$ref” tới lược đồ không có: \(document)", "“$ref” to a schema that is not loaded: \(document)",
                        at: r.at)
                    continue
                }
                _ = compileResource(uri: document, schema: schema)
            }
            guard let target = address[document + "#" + fragment] else {
                problem(
                    .schemaInvalid, "“$ref” không trỏ tới lược đồ con nào: \(r.ref)", "“$ref” points to no subschema: \(r.ref)",
                    at: r.at)
                continue
            }
            nodes[r.node].checks[r.slot].check = .ref(target)
        }
    }

    /// A loop of `$ref`/`allOf`/… that never descends into the instance would never end; refuse it at load.
    mutating func checkReferenceLoops() {
        guard problems.isEmpty else { return }  // unresolved references are still -1
        var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on the current path, 2 done
        var reported = false
        func visit(_ n: Int) {
            if state[n] == 2 || reported { return }
            if state[n] == 1 {
                reported = true
                problem(
                    .schemaInvalid, "Vòng lặp “$ref” không đi sâu vào dữ liệu", "A “$ref” loop that never descends into the data",
                    at: nodes[n].location)
                return
            }
            state[n] = 1
            for k in nodes[n].checks {
                switch k.check {
                case .ref(let t), .not(let t): visit(t)
                case .allOf(let list), .anyOf(let list), .oneOf(let list): list.forEach(visit)
                case .conditional(let i, let t, let e):
                    visit(i)
                    if let t { visit(t) }
                    if let e { visit(e) }
                default: break
                }
            }
            state[n] = 2
        }
        for n in nodes.indices { visit(n) }
    }

    /// "Tiếng Việt / English" → both; a title without " / " is used for both languages.
    static func bilingual(_ title: String) -> LocalizedText {
        if let r = title.range(of: " / ") {
            return .both(String(title[..<r.lowerBound]), String(title[r.upperBound...]))
        }
        return .both(title, title)
    }
}

/// Where a subschema being loaded is: its resource, its pointer there, its location for messages and its node.
struct Site {
    let uri: String
    let pointer: [String]
    let location: String
    let index: Int
    let isResourceRoot: Bool
}

/// A subschema's keywords as they are read, before they become its checks.
struct Keywords {
    var ref: (String, String)?
    var type: [JSONType]?, enumeration: [JSONValue]?, constant: JSONValue?, format: Format?
    var pattern: Pattern?
    var minLength: Int?, maxLength: Int?, minItems: Int?, maxItems: Int?
    var minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?
    var required: [String]?, properties: [(name: String, node: Int)]?, additional: Int?
    var prefixItems: [Int]?, items: Int?, uniqueItems = false
    var allOf: [Int]?, anyOf: [Int]?, oneOf: [Int]?, not: Int?
    var ifNode: Int?, thenNode: Int?, elseNode: Int?
}

extension Compiler {
    /// The keywords of every subschema: `$schema`, `$id`, `$defs`, `$ref`, `title` and the annotations.
    mutating func readCoreKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) -> Bool {
        switch keyword {
        case "$schema":
            if !site.isResourceRoot {
                problem(
                    .schemaUnsupported, "“$schema” chỉ được đặt ở gốc lược đồ", "“$schema” is only supported at a schema's root", at: at)
            } else if value != .string(SchemaValidator.dialect) {
                problem(
                    .schemaUnsupported, "Chỉ hỗ trợ JSON Schema 2020-12 (\(SchemaValidator.dialect))",
                    "Only JSON Schema 2020-12 is supported (\(SchemaValidator.dialect))", at: at)
            }
        case "$id":
            // Embedded resources would need their own base URIs; hoso's schemas have one resource per file.
            if !site.isResourceRoot {
                problem(.schemaUnsupported, "“$id” chỉ được đặt ở gốc lược đồ", "“$id” is only supported at a schema's root", at: at)
            } else if case .string = value {
            } else {
                problem(.schemaInvalid, "“$id” phải là chuỗi", "“$id” must be a string", at: at)
            }
        case "$defs":
            guard case .object(let defs) = value else {
                problem(.schemaInvalid, "“$defs” phải là đối tượng", "“$defs” must be an object", at: at)
                return true
            }
            for d in defs { _ = sub(d.value, site, "$defs", d.key) }
        case "$ref":
            guard case .string(let s) = value else {
                problem(.schemaInvalid, "“$ref” phải là chuỗi", "“$ref” must be a string", at: at)
                return true
            }
            k.ref = (s, at)
        case "title":
            guard case .string(let s) = value else {
                problem(.schemaInvalid, "“title” phải là chuỗi", "“title” must be a string", at: at)
                return true
            }
            nodes[site.index].title = Self.bilingual(s)
        case _ where Self.annotations.contains(keyword):
            return true
        default:
            return false
        }
        return true
    }
}
