import Foundation
import HosoCore
import Synchronization

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
            throw HosoError(
                .schemaNotFound,
                .both(
                    "Không có lược đồ cho loại hồ sơ này; có: \(known)",
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

/// Validators compiled so far, shared by every thread.
private final class SchemaCache: Sendable {
    private struct State {
        var validators = [String: SchemaValidator]()
    }
    private let state = Mutex(State())

    func withLock<T: Sendable>(_ body: (inout [String: SchemaValidator]) -> T) -> T {
        state.withLock { body(&$0.validators) }
    }
}
