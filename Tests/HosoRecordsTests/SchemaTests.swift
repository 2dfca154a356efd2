import Foundation
import HosoCore
import HosoRecords
import HosoTestSupport
import Testing

private let schemasDir = URL(fileURLWithPath: repoRoot).appendingPathComponent("Schemas")
private let examplesDir = schemasDir.appendingPathComponent("examples")

private func files(in dir: URL, prefix: String = "", suffix: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
}

private func schemaFileNames() -> [String] { files(in: schemasDir, suffix: ".schema.json") }
private func validExamples() -> [String] { files(in: examplesDir, prefix: "valid-", suffix: ".json") }
private func invalidExamples() -> [String] { files(in: examplesDir, prefix: "invalid-", suffix: ".json") }

private func parse(_ url: URL) throws -> JSONValue {
    try CanonicalJSON.parse(Array(try Data(contentsOf: url)), source: url.lastPathComponent)
}

/// `valid-grade-book-primary.json` → `grade-book`: the longest schema name the rest of the file name starts with.
private func schemaName(ofExample file: String) -> String? {
    let rest = file.hasPrefix("valid-") ? String(file.dropFirst(6)) : String(file.dropFirst(8))
    let names = schemaFileNames().map { String($0.dropLast(".schema.json".count)) }
    return names.filter { rest.hasPrefix($0 + "-") || rest == $0 + ".json" }.max { $0.count < $1.count }
}

/// The instance pointer of an error located `source#/pointer`.
private func pointer(_ e: HosoError) -> String {
    guard let loc = e.location, let h = loc.firstIndex(of: "#") else { return "?" }
    return String(loc[loc.index(after: h)...])
}

private func validator(_ schemaJSON: String) throws -> SchemaValidator {
    try SchemaValidator(schema: try CanonicalJSON.parse(schemaJSON), registry: try SchemaValidator.embeddedRegistry())
}

private func errors(_ schemaJSON: String, _ instanceJSON: String) throws -> [HosoError] {
    try validator(schemaJSON).validate(try CanonicalJSON.parse(instanceJSON), source: "t.json")
}

private func loadProblems(_ schemaJSON: String) throws -> [HosoError] {
    do {
        _ = try validator(schemaJSON)
        return []
    } catch let p as HosoProblems {
        return p.problems
    }
}

@Suite struct SchemaTests {
    // MARK: Embedded copies

    /// Every Schemas/*.schema.json is built into the binary, byte for byte (SwiftPM embeds the links in
    /// Sources/HosoRecords/Schemas; EmbeddedSchemas lists them).
    @Test func embeddedSchemasMatchFiles() throws {
        let names = schemaFileNames()
        #expect(names.count >= 10)
        let hint = "link it from Sources/HosoRecords/Schemas and list it in Sources/HosoRecords/EmbeddedSchemas.swift"
        #expect(Set(EmbeddedSchemas.files.keys) == Set(names), "a schema file is not embedded: \(hint)")
        for name in names {
            guard let embedded = EmbeddedSchemas.files[name] else { continue }  // not embedded: reported above
            let disk = try Data(contentsOf: schemasDir.appendingPathComponent(name))
            // Compare bytes: Swift's == would call differently normalised texts equal.
            #expect(Array(embedded.utf8) == Array(disk), "\(name): the embedded bytes differ from Schemas/\(name)")
        }
    }

    @Test func everySchemaLoadsAndNamesItself() throws {
        for name in schemaFileNames() {
            let type = String(name.dropLast(".schema.json".count))
            let v = try SchemaValidator.forRecordType(type)
            #expect(v.id == SchemaValidator.baseURI + name)
        }
    }

    @Test func unknownRecordTypeIsNotFound() {
        #expect(throws: HosoError(.schemaNotFound, .both("", ""))) { try SchemaValidator.forRecordType("ledger-entry") }
        #expect(throws: HosoError(.schemaNotFound, .both("", ""))) { try SchemaValidator.forRecordType("../ledger") }
    }

    // MARK: Examples

    @Test func examplesArePresent() {
        #expect(validExamples().count >= 15)
        #expect(invalidExamples().count >= 15)
        for f in validExamples() + invalidExamples() { #expect(schemaName(ofExample: f) != nil, "no schema for \(f)") }
    }

    @Test(arguments: validExamples())
    func validExampleHasNoErrors(_ file: String) throws {
        let schema = try #require(schemaName(ofExample: file))
        let errs = try SchemaValidator.forRecordType(schema).validate(try parse(examplesDir.appendingPathComponent(file)), source: file)
        #expect(errs.isEmpty, "\(errs.map(\.description).joined(separator: "\n"))")
    }

    @Test(arguments: invalidExamples())
    func invalidExampleHasExactlyTheExpectedErrors(_ file: String) throws {
        let schema = try #require(schemaName(ofExample: file))
        let expectedAll = try parse(examplesDir.appendingPathComponent("expected-errors.json"))
        guard case .array(let list)? = expectedAll[file] else {
            Issue.record("\(file) is not listed in expected-errors.json")
            return
        }
        var expected = list.compactMap { e -> (String, String)? in
            if case .array(let pair) = e, pair.count == 2, case .string(let p) = pair[0], case .string(let k) = pair[1] { return (p, k) }
            return nil
        }
        #expect(expected.count == list.count, "malformed entry for \(file)")
        let errs = try SchemaValidator.forRecordType(schema).validate(try parse(examplesDir.appendingPathComponent(file)), source: file)
        var unexpected = [HosoError]()
        for e in errs {
            // Each error must match one expected (pointer, end of keyword location), used once.
            if let i = expected.firstIndex(where: { $0.0 == pointer(e) && (e.cause ?? "").hasSuffix("/" + $0.1) }) {
                expected.remove(at: i)
            } else {
                unexpected.append(e)
            }
            #expect(e.code == .schemaViolation)
            #expect(e.location?.hasPrefix(file + "#") == true)
        }
        #expect(unexpected.isEmpty, "unexpected: \(unexpected.map { "\($0) @ \($0.cause ?? "")" }.joined(separator: "\n"))")
        #expect(expected.isEmpty, "missing: \(expected)")
    }

    @Test func everyExpectationNamesAnInvalidExample() throws {
        guard case .object(let members) = try parse(examplesDir.appendingPathComponent("expected-errors.json")) else {
            Issue.record("expected-errors.json is not an object")
            return
        }
        let listed = Set(members.map(\.key).filter { $0 != "$comment" })
        #expect(listed == Set(invalidExamples()))
    }

    // MARK: All errors, located and explained

    @Test func fiveProblemsGiveFiveErrors() throws {
        let doc = """
            {"fullName": " Lò Thị Mai", "dateOfBirth": "1980-02-30", "sex": "nữ", "citizenId": "0221800012345",
             "roles": [], "ethnicity": "Thái"}
            """
        let errs = try SchemaValidator.forRecordType("person").validate(try CanonicalJSON.parse(doc), source: "person.json")
        #expect(errs.count == 5)
        #expect(Set(errs.map(pointer)) == ["/fullName", "/dateOfBirth", "/sex", "/citizenId", "/roles"])
    }

    @Test func errorsAreLocatedBilingualAndNameTheRule() throws {
        let ledger = try parse(examplesDir.appendingPathComponent("valid-ledger-formats-example.json"))
        guard case .object(var members) = ledger, let i = members.firstIndex(where: { $0.key == "entries" }),
            case .array(var entries) = members[i].value, case .object(var entry) = entries[0]
        else {
            Issue.record("unexpected example shape")
            return
        }
        entry = entry.map { $0.key == "serial" ? JSONMember("seriall", $0.value) : $0 }
        entries = [.object(entry), .object(entry), .object(entry), .object(entry)]
        members[i].value = .array(entries)
        let errs = try SchemaValidator.forRecordType("ledger").validate(.object(members), source: "ledger.json")
        let missing = try #require(errs.first { $0.location == "ledger.json#/entries/3/serial" })
        #expect(missing.message.vi.contains("Thiếu trường bắt buộc “serial”"))
        #expect(missing.message.en.contains("Required property “serial” is missing"))
        #expect(missing.message.vi.contains("Số hiệu văn bằng"))  // the field's title, in the right language
        #expect(missing.message.en.contains("diploma serial"))
        #expect(missing.cause == "ledger.schema.json#/$defs/entry/required")
        let typo = try #require(errs.first { $0.location == "ledger.json#/entries/3/seriall" })
        #expect(typo.message.vi.contains("có phải “serial”?"))
        #expect(typo.message.en.contains("did you mean “serial”?"))
        #expect(errs.count == 8)

        let cid = try SchemaValidator.forRecordType("person").validate(
            .object([
                JSONMember("fullName", .string("A")), JSONMember("dateOfBirth", .string("2000-01-01")),
                JSONMember("roles", .array([.string("student")])), JSONMember("citizenId", .string("12345")),
            ]), source: "p")
        #expect(cid.count == 1)
        #expect(cid.first?.message.vi.contains("^[0-9]{12}$") == true)
        #expect(cid.first?.message.vi.contains("đúng 12 chữ số") == true)
        #expect(cid.first?.message.en.contains("exactly 12 digits") == true)
    }

    // MARK: Refusing what is not implemented

    @Test(arguments: [
        (#"{"type": "object", "minProperties": 1}"#, "anonymous.schema.json#/minProperties"),
        (#"{"properties": {"a": {"unevaluatedProperties": false}}}"#, "anonymous.schema.json#/properties/a/unevaluatedProperties"),
        (#"{"requried": ["a"]}"#, "anonymous.schema.json#/requried"),
        (#"{"type": "string", "format": "email"}"#, "anonymous.schema.json#/format"),
        (#"{"$defs": {"x": {"$anchor": "x"}}}"#, "anonymous.schema.json#/$defs/x/$anchor"),
        (##"{"$ref": "#x"}"##, "anonymous.schema.json#/$ref"),
        (#"{"items": [{"type": "string"}]}"#, "anonymous.schema.json#/items"),
        (#"{"$schema": "http://json-schema.org/draft-07/schema#"}"#, "anonymous.schema.json#/$schema"),
        (#"{"properties": {"a": {"$id": "https://example.invalid/a"}}}"#, "anonymous.schema.json#/properties/a/$id"),
        (#"{"multipleOf": 0.1}"#, "anonymous.schema.json#/multipleOf"),
    ])
    func unsupportedKeywordIsRefusedAtLoad(_ schema: String, _ location: String) throws {
        let problems = try loadProblems(schema)
        #expect(problems.map(\.code) == [.schemaUnsupported])
        #expect(problems.first?.location == location)
    }

    @Test(
        arguments: [
            (##"{"$ref": "#/$defs/missing"}"##, "anonymous.schema.json#/$ref"),
            (#"{"$ref": "nothing.schema.json"}"#, "anonymous.schema.json#/$ref"),
            (##"{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}}"##, nil),
            (#"{"then": {"type": "string"}}"#, "anonymous.schema.json#"),
            (#"{"type": "text"}"#, "anonymous.schema.json#/type"),
            (#"{"pattern": "(unclosed"}"#, "anonymous.schema.json#/pattern"),
            (#"{"minLength": -1}"#, "anonymous.schema.json#/minLength"),
            (#"{"required": ["a", "a"]}"#, "anonymous.schema.json#/required"),
            (#"{"anyOf": []}"#, "anonymous.schema.json#/anyOf"),
            (#"{"properties": {"a": 3}}"#, "anonymous.schema.json#/properties/a"),
        ] as [(String, String?)])
    func malformedSchemaIsRefusedAtLoad(_ schema: String, _ location: String?) throws {
        let problems = try loadProblems(schema)
        #expect(problems.map(\.code) == [.schemaInvalid])
        if let location { #expect(problems.first?.location == location) }
    }

    @Test func everyLoadProblemIsReported() throws {
        let problems = try loadProblems(##"{"minProperties": 1, "properties": {"a": {"format": "uri"}}, "$ref": "#/nowhere"}"##)
        #expect(problems.count == 3)
    }

    @Test func unsupportedKeywordInAReferencedSchemaIsRefused() throws {
        let registry: [String: JSONValue] = [
            "other.schema.json": try CanonicalJSON.parse(
                #"{"$id": "https://hoso.invalid/schemas/other.schema.json", "$defs": {"x": {"patternProperties": {}}}}"#)
        ]
        #expect(throws: HosoProblems.self) {
            try SchemaValidator(schema: try CanonicalJSON.parse(#"{"$ref": "other.schema.json#/$defs/x"}"#), registry: registry)
        }
    }

    @Test func keywordListsAreWhatTheSchemasUse() throws {
        // Every keyword in hoso's schemas is implemented (they load), and nothing is implemented without a use.
        var used = Set<String>()
        func walk(_ v: JSONValue, inSchema: Bool) {
            switch v {
            case .object(let members):
                for m in members {
                    if inSchema { used.insert(m.key) }
                    switch m.key {
                    case "properties", "$defs": if case .object(let subs) = m.value { for sub in subs { walk(sub.value, inSchema: true) } }
                    case "allOf", "anyOf", "oneOf", "prefixItems":
                        if case .array(let subs) = m.value { for sub in subs { walk(sub, inSchema: true) } }
                    case "items", "additionalProperties", "not", "if", "then", "else": walk(m.value, inSchema: true)
                    default: break
                    }
                }
            default: break
            }
        }
        for (_, schema) in try SchemaValidator.embeddedRegistry() { walk(schema, inSchema: true) }
        let implemented = Set(SchemaValidator.supportedKeywords + SchemaValidator.annotationKeywords)
        #expect(used.isSubset(of: implemented), "\(used.subtracting(implemented))")
        // Implemented because they belong with the rest (and are unit-tested below), though no schema needs them yet.
        let unused = Set(SchemaValidator.supportedKeywords).subtracting(used)
        #expect(unused.isSubset(of: ["prefixItems", "exclusiveMaximum", "else"]), "\(unused)")
    }

    // MARK: Keyword semantics

    @Test func typesAndNumbers() throws {
        let s = #"{"type": "integer", "minimum": 1, "exclusiveMaximum": 10}"#
        #expect(try errors(s, "1.0").isEmpty)  // 1.0 is an integer in JSON Schema
        #expect(try errors(s, "1.5").count == 1)
        #expect(try errors(s, "true").count == 1)  // booleans are not numbers
        #expect(try errors(s, "10").count == 1)
        #expect(try errors(s, "0").count == 1)
        #expect(try errors(#"{"exclusiveMinimum": 0, "maximum": 1}"#, "0").count == 1)
        #expect(try errors(#"{"exclusiveMinimum": 0, "maximum": 1}"#, "1").isEmpty)
        #expect(try errors(#"{"type": ["string", "null"]}"#, "null").isEmpty)
        #expect(try errors(#"{"type": "number"}"#, "7").isEmpty)
    }

    @Test func equalityIsJSONEquality() throws {
        #expect(try errors(#"{"enum": [1]}"#, "1.0").isEmpty)
        #expect(try errors(#"{"enum": [1]}"#, "true").count == 1)
        #expect(try errors(#"{"const": {"a": 1, "b": [1, 2]}}"#, #"{"b": [1, 2], "a": 1}"#).isEmpty)
        #expect(try errors(#"{"const": {"a": 1}}"#, #"{"a": 1, "b": 2}"#).count == 1)
        #expect(try errors(#"{"uniqueItems": true}"#, #"[1, 1.0]"#).map(pointer) == ["/1"])
        #expect(try errors(#"{"uniqueItems": true}"#, #"[{"a": 1, "b": 2}, {"b": 2, "a": 1}]"#).count == 1)
        #expect(try errors(#"{"uniqueItems": true}"#, #"[1, "1", true, null]"#).isEmpty)
    }

    @Test func stringsAreCodePoints() throws {
        // Decomposed "Nữ" is not the enum's precomposed "Nữ" (the signed bytes differ); the message says why.
        let e = try errors(#"{"enum": ["Nam", "Nữ"]}"#, "\"Nu\\u031b\\u0303\"")
        #expect(e.count == 1)
        #expect(e.first?.message.en.contains("not in Unicode NFC") == true)
        #expect(try errors(#"{"maxLength": 1}"#, "\"😀\"").isEmpty)  // one code point, two UTF-16 units
        #expect(try errors(#"{"maxLength": 2}"#, "\"u\\u031b\\u0303\"").count == 1)  // three code points
        #expect(try errors(#"{"minLength": 2}"#, "\"ữ\"").count == 1)
    }

    @Test func patternsSearchAndUseASCIIDigits() throws {
        #expect(try errors(#"{"pattern": "[0-9]"}"#, #""abc1""#).isEmpty)  // unanchored, as ECMA-262
        #expect(try errors(#"{"pattern": "^[0-9]{3}$"}"#, "\"١٢٣\"").count == 1)
        // The final-newline quirk of `$` (Python and ICU alike), and the guard hoso's schemas put against it.
        #expect(try errors(#"{"pattern": "^[0-9]{3}$"}"#, #""123\n""#).isEmpty)
        let id = try SchemaValidator.forRecordType("person")
        let doc = #"{"fullName": "A", "dateOfBirth": "2000-01-01", "roles": ["student"], "moetId": "2200123456\n"}"#
        #expect(id.validate(try CanonicalJSON.parse(doc), source: "p").map(pointer) == ["/moetId"])
        #expect(try errors(#"{"pattern": "123"}"#, "123").isEmpty)  // only strings are checked
    }

    @Test func arrays() throws {
        let s = #"{"prefixItems": [{"type": "string"}, {"type": "number"}], "items": false, "minItems": 1, "maxItems": 2}"#
        #expect(try errors(s, #"["a", 1]"#).isEmpty)
        #expect(try errors(s, #"[1]"#).map(pointer) == ["/0"])
        #expect(try errors(s, #"["a", 1, null]"#).map(pointer).sorted() == ["", "/2"])
        #expect(try errors(s, "[]").map(pointer) == [""])
        #expect(try errors(#"{"items": {"type": "string"}}"#, #"["a", 2, "c", 4]"#).map(pointer) == ["/1", "/3"])
    }

    @Test func applicators() throws {
        let one = #"{"oneOf": [{"type": "integer"}, {"minimum": 0}]}"#
        #expect(try errors(one, "-1").isEmpty)
        #expect(try errors(one, "0.5").isEmpty)
        let both = try errors(one, "1")
        #expect(both.count == 1 && both[0].message.en.contains("matches alternatives 1, 2"))
        let none = try errors(one, "-0.5")
        #expect(none.count == 1 && none[0].message.en.contains("(1)") && none[0].message.en.contains("(2)"))
        #expect(try errors(#"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#, "1").count == 1)
        #expect(try errors(#"{"allOf": [{"type": "integer"}, {"minimum": 2}]}"#, "1.5").count == 2)
        #expect(try errors(#"{"not": {"type": "string"}}"#, #""x""#).count == 1)
        #expect(try errors(#"{"not": {"type": "string"}}"#, "1").isEmpty)
        let cond = #"{"if": {"minimum": 10}, "then": {"multipleOfTen": true}}"#
        #expect(try loadProblems(cond).map(\.code) == [.schemaUnsupported])
        let ite = #"{"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}"#
        #expect(try errors(ite, #""ab""#).isEmpty)
        #expect(try errors(ite, #""a""#).count == 1)
        #expect(try errors(ite, "2").isEmpty)
        #expect(try errors(ite, "2.5").count == 1)
        #expect(try errors(#"false"#, "1").count == 1)
        #expect(try errors(#"true"#, "1").isEmpty)
    }

    @Test func objects() throws {
        let s =
            #"{"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}"#
        #expect(try errors(s, #"{"a": "x", "b": 1}"#).isEmpty)
        #expect(try errors(s, #"{"a": 1, "b": "y", "c": 2}"#).map(pointer) == ["/a", "/b"])
        #expect(try errors(s, "{}").map(pointer) == ["/a", "/b"])
        #expect(try errors(s, "[]").count == 1)  // only the type; required applies to objects
    }

    @Test func formatsAreStrict() throws {
        let d = #"{"format": "date"}"#
        for ok in ["2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"] { #expect(try errors(d, "\"\(ok)\"").isEmpty, "\(ok)") }
        for bad in [
            "2023-02-29", "1900-02-29", "0000-01-01", "2024-13-01", "2024-04-31", "2024-1-01", "20240101", "2024-01-01\n",
            "2024-01-01T00:00:00Z", "٢٠٢٤-01-01",
        ] {
            #expect(try errors(d, "\"\(bad.replacingOccurrences(of: "\n", with: "\\n"))\"").count == 1, "\(bad)")
        }
        #expect(try errors(d, "20240101").isEmpty)  // formats apply to strings only
        let t = #"{"format": "date-time"}"#
        for ok in ["2025-01-31T08:00:00Z", "2025-01-31t08:00:00.123z", "2025-01-31T08:00:00+07:00", "2016-12-31T23:59:60Z"] {
            #expect(try errors(t, "\"\(ok)\"").isEmpty, "\(ok)")
        }
        for bad in [
            "2025-01-31 08:00:00Z", "2025-02-30T08:00:00Z", "2025-01-31T24:00:00Z", "2025-01-31T08:00:00", "2025-01-31T08:00:00+0700",
            "2025-01-31T08:00:00.Z",
        ] {
            #expect(try errors(t, "\"\(bad)\"").count == 1, "\(bad)")
        }
    }

    @Test func refsAcrossSchemas() throws {
        let s = #"{"$id": "https://hoso.invalid/schemas/test/x.schema.json", "$ref": "../person.schema.json#/$defs/citizenId"}"#
        #expect(try errors(s, #""022204001234""#).isEmpty)
        #expect(try errors(s, #""0222040012""#).count == 1)
        let pointerEscapes =
            ##"{"$defs": {"a/b": {"type": "string"}, "c~d": {"type": "integer"}}, "allOf": [{"$ref": "#/$defs/a~1b"}, {"$ref": "#/$defs/c~0d"}]}"##
        #expect(try errors(pointerEscapes, #""x""#).count == 1)
        let percent = ##"{"$defs": {"ngày": {"type": "string"}}, "$ref": "#/$defs/ng%C3%A0y"}"##
        #expect(try errors(percent, "1").count == 1)
    }

    // MARK: Consistency with the code

    @Test func revisionEnvelopeMatchesItsSchema() throws {
        let ledger = try parse(examplesDir.appendingPathComponent("valid-ledger-formats-example.json"))
        let first = Revision(
            recordType: "ledger", recordId: "PGD-TANLAP/THCS/2019/THCS-TANLAP", parents: [], author: "Vi Văn Tâm",
            time: HosoClock.format(Date(timeIntervalSince1970: 1_738_310_400)), reason: nil, body: ledger)
        let schema = try SchemaValidator.forRecordType("revision")
        #expect(schema.validate(first.json, source: "r").isEmpty)
        let fix = Revision(
            recordType: "ledger", recordId: first.recordId, parents: [String(repeating: "ab", count: 32)], author: "Vi Văn Tâm",
            time: first.time, reason: "Sửa ngày sinh theo giấy khai sinh", body: ledger)
        #expect(schema.validate(fix.json, source: "r").isEmpty)
        // What Revision.validate refuses, the schema refuses too.
        var noReason = fix
        noReason.reason = nil
        #expect(throws: HosoProblems.self) { try noReason.validate() }
        #expect(schema.validate(noReason.json, source: "r").map(pointer) == ["/reason"])
        // The body is checked against the record type's schema.
        var bad = first
        bad.body = .object([])
        #expect(schema.validate(bad.json, source: "r").count == 9)
    }

    @Test func oneDecimalPlaceIsLeftToMark() throws {
        // The schema bounds a mark to 0–10; one decimal place is the domain rule of Mark(jsonNumber:), since
        // multipleOf 0.1 fails in binary floating point (0.3 / 0.1 = 2.9999999999999996).
        let mark = #"{"$ref": "grade-book.schema.json#/$defs/mark"}"#
        #expect(try errors(mark, "8.25").isEmpty)
        #expect(throws: HosoError.self) { try Mark(jsonNumber: 8.25) }
        #expect(try errors(mark, "0.3").isEmpty)
        #expect(try Mark(jsonNumber: 0.3).tenths == 3)
        #expect(try errors(mark, "10.5").count == 1)
    }

    // MARK: Agreement with the reference validator

    /// python-jsonschema (Debian python3-jsonschema, installed by tools/setup) must agree on every example and
    /// on mutants of the valid ones: a missing member, a wrong type, an out-of-range or malformed value.
    @Test func agreesWithPythonJSONSchema() throws {
        let python = "/usr/bin/python3"
        let hasJSONSchema = (try? runProgram(python, ["-c", "import jsonschema"]))?.status == 0
        guard FileManager.default.isExecutableFile(atPath: python), hasJSONSchema else {
            Issue.record("python3-jsonschema is required for this test: run tools/setup (apt-get install python3-jsonschema)")
            return
        }
        var cases = [(schema: String, file: String, instance: JSONValue)]()
        var payload = Array("[".utf8)
        var seen = Set<[UInt8]>()
        for file in validExamples() + invalidExamples() {
            let name = try #require(schemaName(ofExample: file))
            let doc = try parse(examplesDir.appendingPathComponent(file))
            let variants = file.hasPrefix("valid-") ? [doc] + Mutants.of(doc) : [doc]
            for (i, v) in variants.enumerated() {
                let bytes = try CanonicalJSON.serialize(v, nfc: false)
                guard seen.insert(Array((name + " ").utf8) + bytes).inserted else { continue }  // mutants can coincide
                if cases.count > 0 { payload.append(UInt8(ascii: ",")) }
                payload += Array(#"{"schema":""#.utf8) + Array((SchemaValidator.baseURI + name + ".schema.json").utf8)
                payload += Array(#"","instance":"#.utf8) + bytes + [UInt8(ascii: "}")]
                cases.append((name, i == 0 ? file : "\(file) mutant \(i)", v))
            }
        }
        payload.append(UInt8(ascii: "]"))
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("hoso-schema-cases-\(UUID().uuidString).json")
        try Data(payload).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }

        // Python works while we compute our own verdicts.
        let reference = try startProgram(python, ["-c", Self.referenceScript, schemasDir.path, input.path])
        var validators = [String: SchemaValidator]()
        var ours = [Bool]()
        for c in cases {
            let v = try validators[c.schema] ?? SchemaValidator.forRecordType(c.schema)
            validators[c.schema] = v
            ours.append(v.isValid(c.instance))
        }
        let result = reference()
        try #require(result.status == 0, "python failed: \(result.err)")
        guard case .array(let verdicts) = try CanonicalJSON.parse(result.out), verdicts.count == cases.count else {
            Issue.record("unexpected python output: \(result.out.prefix(200))")
            return
        }
        var disagreements = [String]()
        for (i, c) in cases.enumerated() {
            if verdicts[i] != .bool(ours[i]) {
                let text = String(decoding: (try? CanonicalJSON.serialize(c.instance, nfc: false)) ?? [], as: UTF8.self)
                disagreements.append("\(c.file): hoso \(ours[i]), python \(verdicts[i]): \(text.prefix(300))")
            }
            if c.file.hasPrefix("valid-") && !c.file.contains("mutant") { #expect(ours[i], "\(c.file)") }
            if c.file.hasPrefix("invalid-") { #expect(!ours[i], "\(c.file)") }
        }
        #expect(cases.count > 5000)
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.prefix(15).joined(separator: "\n"))")
    }

    /// Checks every schema against the 2020-12 metaschema, then prints one verdict per case.
    static let referenceScript = #"""
        import glob, json, os, sys, warnings
        warnings.simplefilter("ignore")
        import jsonschema
        from jsonschema import Draft202012Validator, RefResolver
        schemas_dir, cases_path = sys.argv[1], sys.argv[2]
        store = {}
        for path in sorted(glob.glob(os.path.join(schemas_dir, "*.schema.json"))):
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            Draft202012Validator.check_schema(schema)
            store[schema["$id"]] = schema
        checker = getattr(Draft202012Validator, "FORMAT_CHECKER", None) or jsonschema.draft202012_format_checker
        validators = {}
        def validator(uri):
            if uri not in validators:
                schema = store[uri]
                validators[uri] = Draft202012Validator(schema, resolver=RefResolver.from_schema(schema, store=store), format_checker=checker)
            return validators[uri]
        with open(cases_path, encoding="utf-8") as f:
            cases = json.load(f)
        print(json.dumps([validator(c["schema"]).is_valid(c["instance"]) for c in cases]))
        """#
}

/// Small changes to a valid document, each at one place: removed, renamed, or replaced by a value of another
/// type or one at the edge of a rule.
private enum Mutants {
    static func of(_ doc: JSONValue) -> [JSONValue] {
        var out = [JSONValue]()
        visit(doc, rebuild: { $0 ?? .null }, removable: false, into: &out)
        return out
    }

    /// A value of each other type, tried everywhere.
    private static let otherTypes: [JSONValue] = [.null, .bool(true), .number(0.5), .number(7), .string("x"), .array([]), .object([])]
    /// Values at the edges of hoso's rules, tried where a value of the same type is.
    private static let edgeStrings: [JSONValue] = [
        .string(""), .string(" x"), .string("x\n"), .string("2019-02-30"), .string("٠١٢٣٤٥٦٧٨٩"), .string("Đạt"),
    ]
    private static let edgeNumbers: [JSONValue] = [.number(0), .number(-1), .number(11), .number(1945)]

    private static func visit(_ node: JSONValue, rebuild: (JSONValue?) -> JSONValue, removable: Bool, into out: inout [JSONValue]) {
        for r in otherTypes where r != node { out.append(rebuild(r)) }
        if removable { out.append(rebuild(nil)) }
        switch node {
        case .string(let s):
            for r in edgeStrings where r != node { out.append(rebuild(r)) }
            for v in [s + " ", s + "\n", s.uppercased(), String(s.dropLast()), s + "0"] { out.append(rebuild(.string(v))) }
        case .number(let d):
            for r in edgeNumbers where r != node { out.append(rebuild(r)) }
            for n in [d + 0.5, d + 1, -d, d * 10] { out.append(rebuild(.number(n))) }
        case .object(let members):
            for i in members.indices {
                var renamed = members
                renamed[i].key += "x"
                out.append(rebuild(.object(renamed)))
                visit(
                    members[i].value,
                    rebuild: { new in
                        var m = members
                        if let new { m[i].value = new } else { m.remove(at: i) }
                        return rebuild(.object(m))
                    }, removable: true, into: &out)
            }
        case .array(let items):
            if let first = items.first { out.append(rebuild(.array(items + [first]))) }
            for i in items.indices {
                visit(
                    items[i],
                    rebuild: { new in
                        var a = items
                        if let new { a[i] = new } else { a.remove(at: i) }
                        return rebuild(.array(a))
                    }, removable: true, into: &out)
            }
        default:
            break
        }
    }
}
