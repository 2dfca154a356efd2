extension JSONValue {
    /// The text of a string value; nil for any other value.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number with no fractional part, as an `Int`; nil for any other value, and for a number too large to be an
    /// exact integer (a hostile `1e300` must not trap the conversion).
    public var integerValue: Int? {
        guard case .number(let d) = self, d == d.rounded(), abs(d) <= 9_007_199_254_740_992 else { return nil }
        return Int(d)
    }
}
