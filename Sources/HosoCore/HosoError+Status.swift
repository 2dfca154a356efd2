// How a failure is told to the outside: one exit code per category for the CLI and one HTTP status per category for
// the web application and the sync protocol, so every front end answers the same failure the same way.

extension HosoError.Category {
    /// The CLI's exit code (README, "Exit codes"). The categories that only the web and sync tell apart (sign-in,
    /// permission, conflict, size, throttling) are all the caller's input to the CLI.
    public var exitCode: Int32 {
        switch self {
        case .damage: 1
        case .badInput, .unauthenticated, .forbidden, .conflict, .tooLarge, .throttled: 3
        case .notFound: 4
        case .io: 5
        case .busy: 6
        case .internal: 70
        }
    }

    /// The HTTP status of this category, for the web application and the sync protocol alike.
    public var httpStatus: Int {
        switch self {
        case .badInput: 400
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .tooLarge: 413
        case .throttled: 429
        case .busy: 503
        case .damage, .io, .internal: 500
        }
    }

    /// True when the caller can put it right (its input, its identity or the request's timing), not the archive.
    public var isCallerFault: Bool {
        switch self {
        case .badInput, .unauthenticated, .forbidden, .conflict, .tooLarge, .throttled: true
        case .damage, .notFound, .io, .busy, .internal: false
        }
    }
}

extension Sequence<HosoError> {
    /// The category that decides the answer when several problems come at once. Over HTTP, who is asking comes
    /// first (sign-in, permission, throttling), then size and conflicts, then the most serious failure.
    public var httpCategory: HosoError.Category {
        let order: [HosoError.Category] = [
            .unauthenticated, .forbidden, .throttled, .tooLarge, .conflict,
            .internal, .damage, .io, .busy, .notFound, .badInput,
        ]
        return order.first { c in contains { $0.category == c } } ?? .internal
    }

    /// The CLI's exit code for these problems: the most serious class decides (damage, then I/O, then the rest).
    public var exitCode: Int32 {
        let order: [HosoError.Category] = [.internal, .damage, .io, .busy, .notFound]
        return (order.first { c in contains { $0.category == c } } ?? (contains { _ in true } ? .badInput : .internal)).exitCode
    }
}
