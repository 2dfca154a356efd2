import HosoPrimitives

/// A tiny HTML builder. Text nodes and attribute values are always escaped, so a name typed as
/// `<script>` is shown as text; only the constants of this module (CSS, JS) are inserted raw.
public struct HTML: Sendable {
    public private(set) var rendered: String

    init(rendered: String) { self.rendered = rendered }

    static let empty = HTML(rendered: "")

    /// Escaped text.
    static func text(_ s: String) -> HTML { HTML(rendered: escape(s)) }

    /// Trusted markup that this module wrote itself (never user input).
    static func trusted(_ s: StaticString) -> HTML { HTML(rendered: "\(s)") }

    static func escape(_ s: String) -> String { HTMLText.escape(s) }
}

@resultBuilder
enum HTMLBuilder {
    static func buildBlock(_ parts: [HTML]...) -> [HTML] { parts.flatMap { $0 } }
    static func buildExpression(_ e: HTML) -> [HTML] { [e] }
    static func buildExpression(_ e: [HTML]) -> [HTML] { e }
    static func buildExpression(_ e: String) -> [HTML] { [.text(e)] }
    static func buildOptional(_ e: [HTML]?) -> [HTML] { e ?? [] }
    static func buildEither(first: [HTML]) -> [HTML] { first }
    static func buildEither(second: [HTML]) -> [HTML] { second }
    static func buildArray(_ parts: [[HTML]]) -> [HTML] { parts.flatMap { $0 } }
}

private let voidElements: Set<String> = ["br", "hr", "img", "input", "link", "meta"]

/// An element; `attrs` are (name, value) pairs, a nil value leaves the attribute out, "" writes a bare attribute.
func el(_ tag: String, _ attrs: [(String, String?)] = [], @HTMLBuilder _ children: () -> [HTML] = { [] }) -> HTML {
    var s = "<" + tag
    for (k, v) in attrs {
        guard let v else { continue }
        s += v.isEmpty && k != "value" && k != "alt" ? " \(k)" : " \(k)=\"\(HTML.escape(v))\""
    }
    s += ">"
    if voidElements.contains(tag) { return HTML(rendered: s) }
    for c in children() { s += c.rendered }
    return HTML(rendered: s + "</\(tag)>")
}

func el(_ tag: String, _ attrs: [(String, String?)] = [], text: String) -> HTML {
    el(tag, attrs) { HTML.text(text) }
}

func group(@HTMLBuilder _ children: () -> [HTML]) -> HTML {
    HTML(rendered: children().map(\.rendered).joined())
}
