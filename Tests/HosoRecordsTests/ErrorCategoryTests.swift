import HosoCore
import Testing

@Suite struct ErrorCategoryTests {
    func problem(_ code: HosoError.Code) -> HosoError { HosoError(code, .both("", "")) }

    @Test func everyCategoryHasOneStatusAndOneExitCode() {
        let statuses = Dictionary(grouping: HosoError.Category.allCases, by: \.httpStatus)
        #expect(statuses[400] == [.badInput])
        #expect(statuses[500]?.count == 3)  // damage, io, internal: the archive's fault, not the caller's
        #expect(HosoError.Category.allCases.filter(\.isCallerFault).allSatisfy { $0.exitCode == 3 })
        #expect(HosoError.Category.notFound.exitCode == 4)
        #expect(HosoError.Category.internal.exitCode == 70)
    }

    @Test func whoIsAskingDecidesBeforeWhatFailed() {
        let signIn = HosoError.Code("NOT_AUTHENTICATED", .unauthenticated)
        let internalError = HosoError.Code("INTERNAL_ERROR", .internal)
        let missing = HosoError.Code("THING_NOT_FOUND", .notFound)
        let bad = HosoError.Code("BAD", .badInput)
        #expect([problem(internalError), problem(signIn)].httpCategory == .unauthenticated)
        #expect([problem(bad), problem(missing)].httpCategory == .notFound)
        #expect([problem(bad)].httpCategory.httpStatus == 400)
        // The CLI: the most serious class decides; an empty list is an internal error.
        #expect([problem(bad), problem(missing)].exitCode == 4)
        #expect([HosoError]().exitCode == 70)
    }

    @Test func declaredCategoriesAreExplicitAndForeignCodesFollowTheNamingRule() {
        #expect(HosoError.Code.objectCorrupt.category == .damage)
        #expect(HosoError.Code.busy.category == .busy)
        #expect(HosoError.Code(rawValue: "PEER_NOT_FOUND").category == .notFound)
        #expect(HosoError.Code(rawValue: "SOMETHING_ELSE").category == .badInput)
        // Equality is on the text: a code read back from a peer equals the declared one.
        #expect(HosoError.Code(rawValue: "OBJECT_CORRUPT") == .objectCorrupt)
    }
}
