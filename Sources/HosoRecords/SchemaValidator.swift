import Foundation
import HosoCore

extension HosoError.Code {
    /// A value that breaks a rule of its JSON Schema.
    public static let schemaViolation = Self("SCHEMA_VIOLATION", .badInput)
    /// A schema that cannot be loaded: malformed, a `$ref` that leads nowhere, or a `$ref` loop.
    public static let schemaInvalid = Self("SCHEMA_INVALID", .badInput)
    /// A schema using a keyword or format this validator does not implement: refused, so no schema is ever
    /// half-checked.
    public static let schemaUnsupported = Self("SCHEMA_UNSUPPORTED", .badInput)
    /// No schema for the record type asked for.
    public static let schemaNotFound = Self("SCHEMA_NOT_FOUND", .notFound)
}

/// A JSON Schema (draft 2020-12) validator for the keywords hoso's schemas use, plus `prefixItems`,
/// `exclusiveMaximum` and `else`, which belong with them (`supportedKeywords`).
///
/// Loading refuses any other keyword, any `format` other than `date` and `date-time`, and any `$ref` that does
/// not resolve, so a schema is either checked completely or not at all. Validation returns every violation,
/// each a `SCHEMA_VIOLATION` located by the instance's JSON pointer (`ledger.json#/entries/3/serial`), with the
/// schema keyword's location as the cause.
///
/// Semantics that are easy to get wrong, chosen to agree with the reference validator (python-jsonschema):
/// strings are compared and counted by Unicode code points (never Swift's canonical equivalence: "é" and
/// "e\u{301}" differ, as they do in the canonical bytes that are signed); `1` and `1.0` are the same number and
/// an integer; `true` is never equal to `1`; objects are equal regardless of member order; `pattern` is an
/// unanchored search (ICU through NSRegularExpression); `format` is asserted, strictly.
///
/// A title written "tiếng Việt / English" is added to the message in each language, so errors name the field.
public struct SchemaValidator: Sendable {
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"
    /// Where hoso's schema `$id`s live; relative names ("ledger.schema.json") resolve against it.
    public static let baseURI = "https://hoso.invalid/schemas/"

    /// Keywords that assert or apply subschemas; anything else but `annotationKeywords` is refused at load.
    public static let supportedKeywords: [String] = [
        "$schema", "$id", "$defs", "$ref",
        "type", "enum", "const", "format",
        "pattern", "minLength", "maxLength",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "required", "properties", "additionalProperties",
        "prefixItems", "items", "minItems", "maxItems", "uniqueItems",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    ]
    /// Keywords that only document a schema; accepted and ignored (except `title`, used in messages).
    public static let annotationKeywords: [String] = [
        "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
    ]
    /// `format` values asserted. Any other is refused: an unchecked format would pass silently.
    public static let supportedFormats: [String] = ["date", "date-time"]

    /// The root schema's `$id`.
    public let id: String
    private let program: Program
    private let root: Int

    /// Loads `schema`, with `registry` holding the schemas its `$ref`s may reach, keyed by `$id` (absolute, or
    /// relative to `baseURI`). Throws `HosoProblems` listing every problem found in every reachable schema.
    public init(schema: JSONValue, registry: [String: JSONValue] = [:]) throws {
        var compiler = Compiler()
        for (key, value) in registry {
            compiler.registry[URIs.document(key, against: Self.baseURI)] = value
        }
        var rootURI = URIs.document("anonymous.schema.json", against: Self.baseURI)
        if case .string(let declared)? = schema["$id"] { rootURI = URIs.document(declared, against: Self.baseURI) }
        compiler.registry[rootURI] = schema
        let root = compiler.compileResource(uri: rootURI, schema: schema)
        compiler.resolveReferences()
        compiler.checkReferenceLoops()
        if !compiler.problems.isEmpty { throw HosoProblems(compiler.problems) }
        self.id = rootURI
        self.root = root
        self.program = Program(nodes: compiler.nodes)
    }

    /// The validator for a record type of FORMATS.md (`ledger`, `grade-book`, …), or for `revision` and
    /// `ledger-mapping`: the embedded `<type>.schema.json`.
    public static func forRecordType(_ type: String) throws -> SchemaValidator {
        let registry = try embeddedParsed.get()
        let uri = baseURI + type + ".schema.json"
        if let v = compiled.withLock({ $0[uri] }) { return v }  // before the name check: a regex costs more than the lookup
        guard type.range(of: "^[a-z][a-z0-9-]{0,31}$", options: .regularExpression) != nil, let schema = registry[uri] else {
            let known = registry.keys.map { String($0.dropFirst(baseURI.count).dropLast(".schema.json".count)) }.sorted()
                .joined(separator: ", ")
            throw HosoError(.schemaNotFound, .both("Không có lược đồ cho loại hồ sơ này; có: \(known)",
                                                   "No schema for this record type; there are: \(known)"),
                            location: type)
        }
        // Compiled on first use, one type at a time: a command that writes one kind of record does not pay
        // for compiling all of them (it was a fifth of a second per command).
        if let v = compiled.withLock({ $0[uri] }) { return v }
        let v = try SchemaValidator(schema: schema, registry: registry)
        compiled.withLock { $0[uri] = v }
        return v
    }

    private static let embeddedParsed = Result<[String: JSONValue], any Error> { try embeddedRegistry() }
    private static let compiled = SchemaCache()

    /// The embedded schemas (EmbeddedSchemas.swift), parsed, keyed by `$id`.
    public static func embeddedRegistry() throws -> [String: JSONValue] {
        var registry = [String: JSONValue]()
        for (name, text) in EmbeddedSchemas.files {
            registry[baseURI + name] = try CanonicalJSON.parse(text, source: name)
        }
        return registry
    }

    /// Every violation of the schema by `value`; empty if it is valid. `source` names the document in each
    /// error's location, e.g. `ledger.json` gives `ledger.json#/entries/3/serial`.
    public func validate(_ value: JSONValue, source: String) -> [HosoError] {
        var out = [Violation]()
        var path = [String]()
        program.evaluate(root, value, &path, &out, quick: false)
        return out.map {
            HosoError(.schemaViolation, $0.message, location: source + "#" + Pointer.render($0.path), cause: $0.keywordLocation)
        }
    }

    /// Whether `value` is valid; stops at the first violation and builds no message.
    public func isValid(_ value: JSONValue) -> Bool {
        var out = [Violation]()
        var path = [String]()
        program.evaluate(root, value, &path, &out, quick: true)
        return out.isEmpty
    }
}

// MARK: - Compiled form

private enum JSONType: String, Sendable, CaseIterable {
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

private enum Format: String, Sendable {
    case date
    case dateTime = "date-time"
}

private enum Check: Sendable {
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

private struct KeyedCheck: Sendable {
    var keyword: String
    var check: Check
}

private struct Node: Sendable {
    /// Where the subschema is, for messages: `ledger.schema.json#/$defs/entry`.
    var location: String
    var title: LocalizedText?
    /// A boolean schema (`true` / `false`).
    var always: Bool?
    var checks: [KeyedCheck] = []
}

private struct Violation {
    var path: [String]
    var keywordLocation: String
    var message: LocalizedText
}

// MARK: - Loading

private struct Compiler {
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
            problem(.schemaInvalid, "$id “\(declared)” không khớp với tên đăng ký \(uri)",
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
                problem(.schemaInvalid, "Lược đồ phải là đối tượng hoặc true/false", "A schema must be an object or true/false",
                        at: location)
            }
            return index
        }

        func sub(_ value: JSONValue, _ tokens: String...) -> Int {
            compile(value, uri: uri, pointer: pointer + tokens)
        }
        func subList(_ value: JSONValue, _ keyword: String) -> [Int]? {
            guard case .array(let items) = value, !items.isEmpty else {
                problem(.schemaInvalid, "“\(keyword)” phải là mảng lược đồ không rỗng", "“\(keyword)” must be a non-empty array of schemas",
                        at: location + "/" + keyword)
                return nil
            }
            return items.indices.map { compile(items[$0], uri: uri, pointer: pointer + [keyword, String($0)]) }
        }
        func count(_ value: JSONValue, _ keyword: String) -> Int? {
            if case .number(let d) = value, d >= 0, d == d.rounded(), d < 1e15 { return Int(d) }
            problem(.schemaInvalid, "“\(keyword)” phải là số nguyên không âm", "“\(keyword)” must be a non-negative integer",
                    at: location + "/" + keyword)
            return nil
        }
        func number(_ value: JSONValue, _ keyword: String) -> Double? {
            if case .number(let d) = value { return d }
            problem(.schemaInvalid, "“\(keyword)” phải là số", "“\(keyword)” must be a number", at: location + "/" + keyword)
            return nil
        }

        var ref: (String, String)?
        var type: [JSONType]?, enumeration: [JSONValue]?, constant: JSONValue?, format: Format?
        var pattern: Pattern?
        var minLength: Int?, maxLength: Int?, minItems: Int?, maxItems: Int?
        var minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?
        var required: [String]?, properties: [(name: String, node: Int)]?, additional: Int?
        var prefixItems: [Int]?, items: Int?, uniqueItems = false
        var allOf: [Int]?, anyOf: [Int]?, oneOf: [Int]?, not: Int?
        var ifNode: Int?, thenNode: Int?, elseNode: Int?

        for m in members {
            let keyword = m.key, value = m.value, at = location + "/" + Pointer.escape(keyword)
            switch keyword {
            case "$schema":
                if !isResourceRoot {
                    problem(.schemaUnsupported, "“$schema” chỉ được đặt ở gốc lược đồ", "“$schema” is only supported at a schema's root", at: at)
                } else if value != .string(SchemaValidator.dialect) {
                    problem(.schemaUnsupported, "Chỉ hỗ trợ JSON Schema 2020-12 (\(SchemaValidator.dialect))",
                            "Only JSON Schema 2020-12 is supported (\(SchemaValidator.dialect))", at: at)
                }
            case "$id":
                // Embedded resources would need their own base URIs; hoso's schemas have one resource per file.
                if !isResourceRoot {
                    problem(.schemaUnsupported, "“$id” chỉ được đặt ở gốc lược đồ", "“$id” is only supported at a schema's root", at: at)
                } else if case .string = value {} else {
                    problem(.schemaInvalid, "“$id” phải là chuỗi", "“$id” must be a string", at: at)
                }
            case "$defs":
                guard case .object(let defs) = value else {
                    problem(.schemaInvalid, "“$defs” phải là đối tượng", "“$defs” must be an object", at: at)
                    continue
                }
                for d in defs { _ = sub(d.value, "$defs", d.key) }
            case "$ref":
                guard case .string(let s) = value else {
                    problem(.schemaInvalid, "“$ref” phải là chuỗi", "“$ref” must be a string", at: at)
                    continue
                }
                ref = (s, at)
            case "title":
                guard case .string(let s) = value else {
                    problem(.schemaInvalid, "“title” phải là chuỗi", "“title” must be a string", at: at)
                    continue
                }
                nodes[index].title = Self.bilingual(s)
            case _ where Self.annotations.contains(keyword):
                continue
            case "type":
                var names = [JSONValue]()
                if case .array(let list) = value { names = list } else { names = [value] }
                let parsed = names.compactMap { v -> JSONType? in if case .string(let s) = v { return JSONType(rawValue: s) }; return nil }
                if parsed.isEmpty || parsed.count != names.count || Set(parsed).count != parsed.count {
                    problem(.schemaInvalid, "“type” phải là tên kiểu JSON hoặc mảng tên không trùng nhau",
                            "“type” must be a JSON type name or an array of distinct names", at: at)
                } else {
                    type = parsed
                }
            case "enum":
                guard case .array(let list) = value else {
                    problem(.schemaInvalid, "“enum” phải là mảng", "“enum” must be an array", at: at)
                    continue
                }
                enumeration = list
            case "const":
                constant = value
            case "format":
                guard case .string(let s) = value, let f = Format(rawValue: s) else {
                    problem(.schemaUnsupported,
                            "Định dạng (format) không được hỗ trợ; chỉ có: \(SchemaValidator.supportedFormats.joined(separator: ", "))",
                            "Unsupported format; only: \(SchemaValidator.supportedFormats.joined(separator: ", "))", at: at)
                    continue
                }
                format = f
            case "pattern":
                guard case .string(let s) = value else {
                    problem(.schemaInvalid, "“pattern” phải là chuỗi", "“pattern” must be a string", at: at)
                    continue
                }
                do {
                    pattern = Pattern(regex: try NSRegularExpression(pattern: s), source: s)
                } catch {
                    problem(.schemaInvalid, "Biểu thức chính quy không hợp lệ: \(s)", "Invalid regular expression: \(s)", at: at)
                }
            case "minLength": minLength = count(value, keyword)
            case "maxLength": maxLength = count(value, keyword)
            case "minItems": minItems = count(value, keyword)
            case "maxItems": maxItems = count(value, keyword)
            case "minimum": minimum = number(value, keyword)
            case "maximum": maximum = number(value, keyword)
            case "exclusiveMinimum": exclusiveMinimum = number(value, keyword)
            case "exclusiveMaximum": exclusiveMaximum = number(value, keyword)
            case "uniqueItems":
                guard case .bool(let b) = value else {
                    problem(.schemaInvalid, "“uniqueItems” phải là true/false", "“uniqueItems” must be true or false", at: at)
                    continue
                }
                uniqueItems = b
            case "required":
                var names = [String]()
                if case .array(let list) = value {
                    for v in list { if case .string(let s) = v { names.append(s) } }
                    if names.count == list.count, Set(names.map { Array($0.utf8) }).count == names.count {
                        required = names
                        continue
                    }
                }
                problem(.schemaInvalid, "“required” phải là mảng tên trường không trùng nhau",
                        "“required” must be an array of distinct property names", at: at)
            case "properties":
                guard case .object(let props) = value else {
                    problem(.schemaInvalid, "“properties” phải là đối tượng", "“properties” must be an object", at: at)
                    continue
                }
                properties = props.map { (name: $0.key, node: sub($0.value, "properties", $0.key)) }
            case "additionalProperties": additional = sub(value, keyword)
            case "prefixItems": prefixItems = subList(value, keyword)
            case "items":
                if case .array = value {
                    // The array form is draft 2019-09 and earlier; 2020-12 spells it prefixItems.
                    problem(.schemaUnsupported, "“items” dạng mảng là của bản nháp cũ; dùng “prefixItems”",
                            "The array form of “items” is from older drafts; use “prefixItems”", at: at)
                    continue
                }
                items = sub(value, keyword)
            case "allOf": allOf = subList(value, keyword)
            case "anyOf": anyOf = subList(value, keyword)
            case "oneOf": oneOf = subList(value, keyword)
            case "not": not = sub(value, keyword)
            case "if": ifNode = sub(value, keyword)
            case "then": thenNode = sub(value, keyword)
            case "else": elseNode = sub(value, keyword)
            default:
                problem(.schemaUnsupported,
                        "Từ khoá “\(keyword)” không được hỗ trợ; lược đồ bị từ chối để không kiểm tra thiếu",
                        "Keyword “\(keyword)” is not supported; the schema is refused rather than checked in part", at: at)
            }
        }
        if ifNode == nil && (thenNode != nil || elseNode != nil) {
            // Without "if" they would be ignored: surely a mistake in the schema.
            problem(.schemaInvalid, "“then”/“else” không có “if”", "“then”/“else” without “if”", at: location)
        }

        // A fixed order, so errors come out in the same order whatever the schema's member order.
        var checks = [KeyedCheck]()
        func add(_ keyword: String, _ check: Check?) { if let check { checks.append(KeyedCheck(keyword: keyword, check: check)) } }
        if let ref {
            pending.append((node: index, slot: checks.count, ref: ref.0, base: uri, at: ref.1))
            add("$ref", .ref(-1))
        }
        add("type", type.map { .type($0) })
        add("enum", enumeration.map { .enumeration($0) })
        add("const", constant.map { .constant($0) })
        add("format", format.map { .format($0) })
        add("pattern", pattern.map { .pattern($0) })
        add("minLength", minLength.map { .minLength($0) })
        add("maxLength", maxLength.map { .maxLength($0) })
        add("minimum", minimum.map { .minimum($0) })
        add("maximum", maximum.map { .maximum($0) })
        add("exclusiveMinimum", exclusiveMinimum.map { .exclusiveMinimum($0) })
        add("exclusiveMaximum", exclusiveMaximum.map { .exclusiveMaximum($0) })
        add("required", required.map { .required($0) })
        if properties != nil || additional != nil {
            add(properties != nil ? "properties" : "additionalProperties", .members(properties: properties ?? [], additional: additional))
        }
        if prefixItems != nil || items != nil {
            add(items != nil ? "items" : "prefixItems", .items(prefix: prefixItems ?? [], rest: items))
        }
        add("minItems", minItems.map { .minItems($0) })
        add("maxItems", maxItems.map { .maxItems($0) })
        add("uniqueItems", uniqueItems ? .uniqueItems : nil)
        add("allOf", allOf.map { .allOf($0) })
        add("anyOf", anyOf.map { .anyOf($0) })
        add("oneOf", oneOf.map { .oneOf($0) })
        add("not", not.map { .not($0) })
        add("if", ifNode.map { .conditional(if: $0, then: thenNode, else: elseNode) })
        nodes[index].checks = checks
        return index
    }

    /// Resolves every `$ref`, loading the registry's schemas it reaches (which may add more references).
    mutating func resolveReferences() {
        while let r = pending.popLast() {
            let (document, fragment) = URIs.split(URIs.resolve(r.ref, against: r.base))
            guard fragment.isEmpty || fragment.hasPrefix("/") else {
                problem(.schemaUnsupported, "“$ref” tới neo (anchor) không được hỗ trợ: \(r.ref)",
                        "“$ref” to an anchor is not supported: \(r.ref)", at: r.at)
                continue
            }
            if !compiled.contains(document) {
                guard let schema = registry[document] else {
                    problem(.schemaInvalid, "“$ref” tới lược đồ không có: \(document)", "“$ref” to a schema that is not loaded: \(document)",
                            at: r.at)
                    continue
                }
                _ = compileResource(uri: document, schema: schema)
            }
            guard let target = address[document + "#" + fragment] else {
                problem(.schemaInvalid, "“$ref” không trỏ tới lược đồ con nào: \(r.ref)", "“$ref” points to no subschema: \(r.ref)",
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
                problem(.schemaInvalid, "Vòng lặp “$ref” không đi sâu vào dữ liệu", "A “$ref” loop that never descends into the data",
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

// MARK: - Validation

/// A node as validation reads it: a class, so reaching a node and its checks costs a reference, not a copy
/// of every field (copies were most of the time spent validating a ledger's thousands of values).
private final class CompiledNode: Sendable {
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

private final class CompiledCheck: Sendable {
    let keyword: String
    let check: Check

    init(keyword: String, check: Check) {
        self.keyword = keyword
        self.check = check
    }
}

private final class Program: Sendable {
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
                if quick { out.append(Self.found); return }
                let name = path.last.map { "“\($0)”: " } ?? ""
                out.append(Violation(path: path, keywordLocation: node.location,
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
                if !allowed.contains(where: { if case .string(let a) = $0 { return UTF8Bytes.equal(a, s) }; return false }) { return false }
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
    private static let found = Violation(path: [], keywordLocation: "", message: .both("", ""))

    private func violations(_ n: Int, _ value: JSONValue, _ path: inout [String], quick: Bool) -> [Violation] {
        var out = [Violation]()
        evaluate(n, value, &path, &out, quick: quick)
        return out
    }

    private func passes(_ n: Int, _ value: JSONValue, _ path: inout [String]) -> Bool {
        violations(n, value, &path, quick: true).isEmpty
    }

    private func check(_ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
                       quick: Bool) {
        // Messages are autoclosures: in quick mode they are never built.
        func report(_ vi: @autoclosure () -> String, _ en: @autoclosure () -> String, title: LocalizedText?,
                    at instance: @autoclosure () -> [String]) {
            if quick { out.append(Self.found); return }
            let vi = vi(), en = en()
            var message = LocalizedText.both(vi, en)
            if let title { message = .both(vi + " — " + title.vi, en + " — " + title.en) }
            out.append(Violation(path: instance(), keywordLocation: node.location + "/" + Pointer.escape(k.keyword), message: message))
        }
        func fail(_ vi: @autoclosure () -> String, _ en: @autoclosure () -> String) {
            report(vi(), en(), title: node.title, at: path)
        }

        switch k.check {
        case .ref(let target):
            evaluate(target, value, &path, &out, quick: quick)

        case .type(let types):
            if !types.contains(where: { $0.admits(value) }) {
                fail("Sai kiểu dữ liệu: cần \(types.map(\.vi).joined(separator: " hoặc ")), nhận được \(JSONType.of(value).vi)",
                     "Wrong type: expected \(types.map(\.rawValue).joined(separator: " or ")), got \(JSONType.of(value).rawValue)")
            }

        case .enumeration(let allowed):
            if !allowed.contains(where: { JSONEquality.equal($0, value) }) {
                fail("Giá trị \(Render.value(value)) không thuộc danh sách cho phép: \(allowed.map(Render.value).joined(separator: ", "))\(Render.nfcHint(value, allowed).vi)",
                     "Value \(Render.value(value)) is not one of the allowed values: \(allowed.map(Render.value).joined(separator: ", "))\(Render.nfcHint(value, allowed).en)")
            }

        case .constant(let expected):
            if !JSONEquality.equal(expected, value) {
                fail("Giá trị phải là \(Render.value(expected)), nhận được \(Render.value(value))\(Render.nfcHint(value, [expected]).vi)",
                     "The value must be \(Render.value(expected)); got \(Render.value(value))\(Render.nfcHint(value, [expected]).en)")
            }

        case .format(let f):
            guard case .string(let s) = value else { return }
            switch f {
            case .date where !Formats.isDate(s):
                fail("\(Render.value(value)) không phải ngày có thật theo dạng YYYY-MM-DD",
                     "\(Render.value(value)) is not a real date of the form YYYY-MM-DD")
            case .dateTime where !Formats.isDateTime(s):
                fail("\(Render.value(value)) không phải thời điểm RFC 3339 có thật (YYYY-MM-DDThh:mm:ssZ)",
                     "\(Render.value(value)) is not a real RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ)")
            default: break
            }

        case .pattern(let pattern):
            guard case .string(let s) = value else { return }
            if !pattern.matches(s) {
                let source = pattern.source
                fail("Giá trị \(Render.value(value)) không khớp mẫu \(source)", "Value \(Render.value(value)) does not match the pattern \(source)")
            }

        case .minLength(let n):
            guard case .string(let s) = value else { return }
            // A scalar takes 1 to 4 UTF-8 bytes: enough bytes prove enough scalars without counting them.
            if s.utf8.count >= 4 * n { return }
            let length = s.unicodeScalars.count
            if length < n {
                fail(n == 1 ? "Không được để trống" : "Chuỗi quá ngắn: cần ít nhất \(n) ký tự, có \(length)",
                     n == 1 ? "Must not be empty" : "Too short: at least \(n) characters needed, there are \(length)")
            }

        case .maxLength(let n):
            guard case .string(let s) = value else { return }
            if s.utf8.count <= n { return }  // no more scalars than bytes
            let length = s.unicodeScalars.count
            if length > n {
                fail("Chuỗi quá dài: tối đa \(n) ký tự, có \(length)", "Too long: at most \(n) characters, there are \(length)")
            }

        case .minimum(let bound):
            if case .number(let d) = value, !(d >= bound) {
                fail("Giá trị phải ≥ \(Render.number(bound)), nhận được \(Render.number(d))", "The value must be ≥ \(Render.number(bound)); got \(Render.number(d))")
            }
        case .maximum(let bound):
            if case .number(let d) = value, !(d <= bound) {
                fail("Giá trị phải ≤ \(Render.number(bound)), nhận được \(Render.number(d))", "The value must be ≤ \(Render.number(bound)); got \(Render.number(d))")
            }
        case .exclusiveMinimum(let bound):
            if case .number(let d) = value, !(d > bound) {
                fail("Giá trị phải > \(Render.number(bound)), nhận được \(Render.number(d))", "The value must be > \(Render.number(bound)); got \(Render.number(d))")
            }
        case .exclusiveMaximum(let bound):
            if case .number(let d) = value, !(d < bound) {
                fail("Giá trị phải < \(Render.number(bound)), nhận được \(Render.number(d))", "The value must be < \(Render.number(bound)); got \(Render.number(d))")
            }

        case .required(let names):
            guard case .object(let members) = value else { return }
            // Documents usually list the required members first, in the schema's order: look there first.
            for (j, name) in names.enumerated()
            where !(j < members.count && UTF8Bytes.equal(members[j].key, name)) && !members.contains(where: { UTF8Bytes.equal($0.key, name) }) {
                // Located at the missing member: "entries/3/serial: missing" is what a registrar can act on.
                report("Thiếu trường bắt buộc “\(name)”", "Required property “\(name)” is missing",
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
                        if quick { out.append(Self.found); return }
                        let hint = Render.suggestion(m.key, properties.map(\.name))
                        out.append(Violation(path: path, keywordLocation: node.location + "/additionalProperties",
                                             message: .both("Trường “\(m.key)” không có trong mẫu hồ sơ\(hint.vi)",
                                                            "Property “\(m.key)” is not allowed here\(hint.en)")))
                    } else {
                        evaluate(additional, m.value, &path, &out, quick: quick)
                    }
                }
                if quick && !out.isEmpty { return }
            }

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
                    report("Phần tử trùng với phần tử #\(i) (các phần tử phải khác nhau)", "Item duplicates item #\(i) (items must be distinct)",
                           title: node.title, at: path + [String(j)])
                    if quick { return }
                }
            }

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
                fail("Phải khớp đúng một phương án (oneOf), không khớp phương án nào: \(why.vi)",
                     "Must match exactly one alternative (oneOf); matches none: \(why.en)")
            } else if matched.count > 1 {
                let which = matched.map { String($0 + 1) }.joined(separator: ", ")
                fail("Phải khớp đúng một phương án (oneOf), nhưng khớp các phương án \(which)",
                     "Must match exactly one alternative (oneOf), but matches alternatives \(which)")
            }

        case .not(let n):
            if passes(n, value, &path) {
                if let source = forbiddenPattern(n) {
                    fail("Giá trị \(Render.value(value)) chứa phần bị cấm (khớp \(source))",
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
        }
    }

    /// The title of a property's subschema, or of the schema its lone `$ref` names.
    private func propertyTitle(_ node: CompiledNode, _ name: String) -> LocalizedText? {
        for k in node.checks {
            guard case .members(let properties, _) = k.check,
                  let p = properties.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else { continue }
            return titleFollowingRefs(p.node)
        }
        return nil
    }

    private func titleFollowingRefs(_ n: Int) -> LocalizedText? {
        var n = n
        for _ in 0..<8 {
            if let t = nodes[n].title { return t }
            guard let r = nodes[n].checks.lazy.compactMap({ k -> Int? in if case .ref(let t) = k.check { return t }; return nil }).first
            else { return nil }
            n = r
        }
        return nil
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

// MARK: - Helpers

/// JSON equality as JSON Schema defines it.
private enum JSONEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        // Code points, not Swift's canonical equivalence.
        case (.string(let x), .string(let y)): return UTF8Bytes.equal(x, y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { m in
                y.contains { UTF8Bytes.equal($0.key, m.key) && equal($0.value, m.value) }
            }
        default: return false
        }
    }
}

private enum Pointer {
    /// RFC 6901 escaping of one reference token.
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func render(_ tokens: [String]) -> String {
        tokens.map { "/" + escape($0) }.joined()
    }
}

private enum URIs {
    /// Resolves a reference against a base URI: enough of RFC 3986 for schema `$id`s and `$ref`s.
    static func resolve(_ reference: String, against base: String) -> String {
        let (baseDocument, _) = split(base)
        let hashIndex = reference.firstIndex(of: "#")
        let path = hashIndex.map { String(reference[..<$0]) } ?? reference
        let fragment = hashIndex.map { String(reference[reference.index(after: $0)...]) } ?? ""
        let decoded = fragment.removingPercentEncoding ?? fragment
        let document: String
        if path.isEmpty {
            document = baseDocument
        } else if path.range(of: "^[A-Za-z][A-Za-z0-9+.-]*:", options: .regularExpression) != nil {
            document = path
        } else if path.hasPrefix("/") {
            document = origin(baseDocument) + normalize(path)
        } else {
            let directory = baseDocument.lastIndex(of: "/").map { String(baseDocument[...$0]) } ?? ""
            let o = origin(directory)
            document = o + normalize(String(directory.dropFirst(o.count)) + path)
        }
        return document + "#" + decoded
    }

    /// The document part of a resolved reference (no fragment).
    static func document(_ reference: String, against base: String) -> String {
        split(resolve(reference, against: base)).document
    }

    /// "https://host/a/b.json#/x" → ("https://host/a/b.json", "/x").
    static func split(_ uri: String) -> (document: String, fragment: String) {
        guard let h = uri.firstIndex(of: "#") else { return (uri, "") }
        return (String(uri[..<h]), String(uri[uri.index(after: h)...]))
    }

    /// "https://host" of "https://host/a/b".
    private static func origin(_ uri: String) -> String {
        guard let r = uri.range(of: "://") else { return "" }
        let afterScheme = uri[r.upperBound...]
        let end = afterScheme.firstIndex(of: "/") ?? uri.endIndex
        return String(uri[..<end])
    }

    /// Removes "." and ".." segments.
    private static func normalize(_ path: String) -> String {
        var out = [Substring]()
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (i, s) in segments.enumerated() {
            if s == "." { if i == segments.count - 1 { out.append("") }; continue }
            if s == ".." {
                if out.count > 1 { out.removeLast() }
                if i == segments.count - 1 { out.append("") }
                continue
            }
            out.append(s)
        }
        return out.joined(separator: "/")
    }

    /// hoso's own schemas by file name; others in full.
    static func display(_ uri: String) -> String {
        uri.hasPrefix(SchemaValidator.baseURI) ? String(uri.dropFirst(SchemaValidator.baseURI.count)) : uri
    }
}

private enum Formats {
    /// RFC 3339 full-date: YYYY-MM-DD, a day that exists in the proleptic Gregorian calendar, year 0001–9999.
    static func isDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = digits(b[0..<4]), let m = digits(b[5..<7]), let d = digits(b[8..<10]) else { return false }
        return y >= 1 && (1...12).contains(m) && d >= 1 && d <= daysIn(month: m, year: y)
    }

    /// RFC 3339 date-time: full-date "T" hh:mm:ss[.frac] (Z | ±hh:mm); T and Z in either case.
    static func isDateTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 20, isDate(String(decoding: b[0..<10], as: UTF8.self)),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hh = digits(b[11..<13]), let mm = digits(b[14..<16]), let ss = digits(b[17..<19]),
              hh <= 23, mm <= 59, ss <= 60 else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            if i == start { return false }
        }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
              let oh = digits(b[(i + 1)..<(i + 3)]), let om = digits(b[(i + 4)..<(i + 6)]) else { return false }
        return oh <= 23 && om <= 59
    }

    static func matches(_ regex: NSRegularExpression, _ s: String) -> Bool {
        regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: s.utf16.count)) != nil
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for c in bytes {
            guard (0x30...0x39).contains(c) else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }
}

private enum Render {
    /// A value as JSON text, cut short: messages name what was found without flooding the screen.
    static func value(_ v: JSONValue) -> String {
        let text = (try? CanonicalJSON.serialize(v, nfc: false)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        let scalars = text.unicodeScalars
        return scalars.count > 60 ? String(scalars.prefix(60)) + "…" : text
    }

    static func number(_ d: Double) -> String {
        d.isFinite ? CanonicalJSON.formatNumber(d) : "\(d)"
    }

    /// When the only difference is the Unicode form, say so: the fix is to normalise, not to retype.
    static func nfcHint(_ v: JSONValue, _ allowed: [JSONValue]) -> LocalizedText {
        guard case .string(let s) = v else { return .both("", "") }
        let n = VietnameseText.nfc(s)
        let close = allowed.contains { if case .string(let a) = $0 { return a.utf8.elementsEqual(n.utf8) }; return false }
        return close ? .both(" (chuỗi chưa chuẩn hoá Unicode NFC)", " (the text is not in Unicode NFC)") : .both("", "")
    }

    /// "did you mean …" for a misspelt property name, else the list of allowed names.
    static func suggestion(_ name: String, _ allowed: [String]) -> LocalizedText {
        let folded = name.lowercased()
        let best = allowed.map { (name: $0, distance: editDistance(folded, $0.lowercased())) }.min { $0.distance < $1.distance }
        if let best, best.distance <= 2 {
            return .both("; có phải “\(best.name)”?", "; did you mean “\(best.name)”?")
        }
        if allowed.isEmpty { return .both("", "") }
        let list = allowed.joined(separator: ", ")
        return .both("; các trường được phép: \(list)", "; allowed: \(list)")
    }

    /// The first reason each alternative failed.
    static func branches(_ results: [[Violation]]) -> LocalizedText {
        var vi = [String](), en = [String]()
        for (i, r) in results.enumerated() {
            let first = r.first
            let at = first.map { $0.path.isEmpty ? "" : Pointer.render($0.path) + ": " } ?? ""
            vi.append("(\(i + 1)) \(at)\(first?.message.vi ?? "")")
            en.append("(\(i + 1)) \(at)\(first?.message.en ?? "")")
        }
        return .both(vi.joined(separator: "; "), en.joined(separator: "; "))
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// Validators compiled so far, shared by every thread.
private final class SchemaCache: @unchecked Sendable {
    private let lock = NSLock()
    private var validators = [String: SchemaValidator]()

    func withLock<T>(_ body: (inout [String: SchemaValidator]) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&validators)
    }
}

// MARK: - Patterns

/// Strings compared by their code units, as JSON Schema and RFC 8785 compare them (Swift's `==` is canonical
/// equivalence: "é" and "e\u{301}" are equal to it).
enum UTF8Bytes {
    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        let au = a.utf8, bu = b.utf8
        guard au.count == bu.count else { return false }  // O(1) for native strings
        if au.isEmpty { return true }
        if let same = au.withContiguousStorageIfAvailable({ pa in
            bu.withContiguousStorageIfAvailable { pb in memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0 }
        }), let same {
            return same
        }
        return au.elementsEqual(bu)
    }
}

/// A compiled `pattern`: ICU's regular expression (what python-jsonschema agrees with), and for the shapes hoso's
/// schemas use, a direct check that gives the same answer on the strings it can decide without ICU. It answers
/// nil for anything else (line terminators, unusual white space, non-ASCII where it matters), and ICU decides.
/// Every ledger entry goes through a dozen patterns: ICU was a seventh of an import.
struct Pattern: Sendable {
    let regex: NSRegularExpression
    let source: String
    let fast: FastMatch?

    init(regex: NSRegularExpression, source: String) {
        self.regex = regex
        self.source = source
        self.fast = FastMatch(source)
    }

    func matches(_ s: String) -> Bool {
        if let fast, let answer = fast.matches(s) { return answer }
        return Formats.matches(regex, s)
    }
}

/// Direct checks for the pattern shapes in Schemas/. Each answer agrees with ICU's unanchored search on the
/// strings it decides; `Tests/HosoRecordsTests/SchemaPatternTests.swift` compares them on many strings.
enum FastMatch: Sendable, Equatable {
    /// A class of control characters searched for anywhere (`[\x00-\x1f\x7f-\x9f\u2028\u2029]`): the C0
    /// controls whose bits are set in `c0`, and always DEL, the C1 controls, U+2028 and U+2029. Decided for
    /// every string.
    case controls(c0: UInt32)
    /// `^(\S([\s\S]*\S)?)?$`: no white space at either end. Decided when every scalar is U+0020 or surely not
    /// white space and not a line terminator (so `$` can only match at the very end).
    case trimmedLine
    /// `\S`: some scalar that is not white space.
    case nonSpace
    /// `^` runs of ASCII classes with counts `$`, where only the last run varies in length, so a greedy scan is
    /// exact. Decided for strings of printable ASCII (no line terminator for `$` to stop before).
    case anchored([Run])

    struct Run: Sendable, Equatable {
        /// Bit i of lo (0–63) or hi (64–127): byte i is in the class.
        var lo: UInt64 = 0
        var hi: UInt64 = 0
        var min: Int
        var max: Int  // Int.max for * and +

        func contains(_ b: UInt8) -> Bool {
            b < 64 ? (lo >> UInt64(b)) & 1 == 1 : (b < 128 && (hi >> UInt64(b - 64)) & 1 == 1)
        }
        mutating func insert(_ b: UInt8) {
            if b < 64 { lo |= 1 << UInt64(b) } else { hi |= 1 << UInt64(b - 64) }
        }
    }

    init?(_ source: String) {
        switch source {
        case "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]":
            self = .controls(c0: 0xFFFF_FFFF)
        case "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029]":
            self = .controls(c0: 0xFFFF_FFFF & ~(1 << 0x09 | 1 << 0x0A))
        case "^(\\S([\\s\\S]*\\S)?)?$":
            self = .trimmedLine
        case "\\S":
            self = .nonSpace
        default:
            guard let runs = Self.parseAnchored(source) else { return nil }
            self = .anchored(runs)
        }
    }

    /// Scalars that are surely not white space for ICU (`\s`, White_Space or \p{Z}) and not line terminators:
    /// printable ASCII but the space, Latin-1 letters and signs above NBSP, Latin Extended-A/B, combining
    /// diacritics, and the precomposed Vietnamese letters. Everything else is left to ICU.
    @inline(__always)
    static func isSurelyNonSpace(_ v: UInt32) -> Bool {
        (v >= 0x21 && v <= 0x7E) || (v >= 0xA1 && v <= 0x24F) || (v >= 0x300 && v <= 0x36F) || (v >= 0x1EA0 && v <= 0x1EF9)
    }

    func matches(_ s: String) -> Bool? {
        switch self {
        case .controls(let c0):
            // On the UTF-8 bytes: U+0080…U+009F are C2 80…C2 9F, U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            let found: Bool? = s.utf8.withContiguousStorageIfAvailable { b in
                let n = b.count
                var k = 0
                while k < n {
                    let c = b[k]
                    if c < 0x20 {
                        if (c0 >> UInt32(c)) & 1 == 1 { return true }
                    } else if c == 0x7F {
                        return true
                    } else if c == 0xC2 {
                        if k + 1 < n, b[k + 1] <= 0x9F { return true }
                    } else if c == 0xE2 {
                        if k + 2 < n, b[k + 1] == 0x80, b[k + 2] == 0xA8 || b[k + 2] == 0xA9 { return true }
                    }
                    k += 1
                }
                return false
            }
            if let found { return found }
            for u in s.unicodeScalars {
                let v = u.value
                if v < 0x20 ? (c0 >> v) & 1 == 1 : (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 { return true }
            }
            return false

        case .trimmedLine:
            var first: UInt32? = nil, last: UInt32 = 0
            for u in s.unicodeScalars {
                let v = u.value
                guard v == 0x20 || Self.isSurelyNonSpace(v) else { return nil }
                if first == nil { first = v }
                last = v
            }
            guard let first else { return true }  // the empty string: the group is optional
            return first != 0x20 && last != 0x20

        case .nonSpace:
            var undecided = false
            for u in s.unicodeScalars {
                let v = u.value
                if Self.isSurelyNonSpace(v) { return true }
                if v != 0x20 { undecided = true }
            }
            return undecided ? nil : false

        case .anchored(let runs):
            var result: Bool? = nil
            let scanned: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                for b in bytes where b < 0x20 || b > 0x7E { return false }  // not printable ASCII: ICU decides
                var i = 0
                var ok = true
                for run in runs {
                    var n = 0
                    while n < run.max, i < bytes.count, run.contains(bytes[i]) { n += 1; i += 1 }
                    if n < run.min { ok = false; break }
                }
                result = ok && i == bytes.count
                return true
            }
            return scanned == true ? result : nil
        }
    }

    /// `^` then literals or bracket classes of ASCII (ranges, single characters, a trailing '-'), each with an
    /// optional {n}, {n,m}, * or + `$`; only the last may vary in length. nil for anything else.
    static func parseAnchored(_ source: String) -> [Run]? {
        let p = Array(source.utf8)
        guard p.count >= 2, p.first == UInt8(ascii: "^"), p.last == UInt8(ascii: "$") else { return nil }
        var i = 1
        let end = p.count - 1
        var runs = [Run]()
        func isPlainLiteral(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "-")
                || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "/") || b == UInt8(ascii: " ")
                || b == UInt8(ascii: "=") || b == UInt8(ascii: ",") || b == UInt8(ascii: "@") || b == UInt8(ascii: "#")
        }
        func number() -> Int? {
            var v = 0, digits = 0
            while i < end, p[i] >= 0x30, p[i] <= 0x39, digits < 6 { v = v * 10 + Int(p[i] - 0x30); i += 1; digits += 1 }
            return digits > 0 ? v : nil
        }
        while i < end {
            var run = Run(min: 1, max: 1)
            if p[i] == UInt8(ascii: "[") {
                i += 1
                var any = false
                while i < end, p[i] != UInt8(ascii: "]") {
                    let a = p[i]
                    guard isPlainLiteral(a) else { return nil }
                    if a == UInt8(ascii: "-") {
                        // Only a trailing '-' is a literal here; a leading or middle one is a range or worse.
                        guard i + 1 < end, p[i + 1] == UInt8(ascii: "]"), any else { return nil }
                        run.insert(a)
                        i += 1
                        continue
                    }
                    if i + 2 < end, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                        let b = p[i + 2]
                        guard isPlainLiteral(b), b != UInt8(ascii: "-"), a <= b else { return nil }
                        // Ranges within one kind only (0-9, a-z, A-Z subsets): no surprises with case or order.
                        let digitRange = a >= 0x30 && b <= 0x39
                        let lowerRange = a >= 0x61 && b <= 0x7A
                        let upperRange = a >= 0x41 && b <= 0x5A
                        guard digitRange || lowerRange || upperRange else { return nil }
                        for c in a...b { run.insert(c) }
                        i += 3
                    } else {
                        run.insert(a)
                        i += 1
                    }
                    any = true
                }
                guard any, i < end else { return nil }
                i += 1  // ']'
            } else {
                guard isPlainLiteral(p[i]) else { return nil }
                run.insert(p[i])
                i += 1
            }
            if i < end {
                switch p[i] {
                case UInt8(ascii: "{"):
                    i += 1
                    guard let n = number() else { return nil }
                    var m = n
                    if i < end, p[i] == UInt8(ascii: ",") {
                        i += 1
                        guard let mm = number() else { return nil }  // {n,} is not used: keep it simple
                        m = mm
                    }
                    guard i < end, p[i] == UInt8(ascii: "}"), n <= m else { return nil }
                    i += 1
                    run.min = n
                    run.max = m
                case UInt8(ascii: "*"): run.min = 0; run.max = Int.max; i += 1
                case UInt8(ascii: "+"): run.min = 1; run.max = Int.max; i += 1
                case UInt8(ascii: "?"): run.min = 0; run.max = 1; i += 1
                default: break
                }
            }
            runs.append(run)
        }
        // A greedy scan is exact only if no run but the last varies in length.
        for r in runs.dropLast() where r.min != r.max { return nil }
        return runs.isEmpty ? nil : runs
    }
}
