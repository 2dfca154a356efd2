// Console output and number formatting shared by the bench executables, so their reports read alike.
import Foundation

/// One line to standard output, unbuffered, so progress shows through a pipe as it happens.
public func say(_ s: String = "") {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

/// One line to standard error, prefixed with the tool's name (the scripts capture both streams together).
public func warn(_ s: String, tool: String) {
    FileHandle.standardError.write(Data((tool + ": " + s + "\n").utf8))
}

/// Fixed decimals; the digits are explicit because the tools' defaults used to differ.
public func fmt(_ d: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", d) }

/// 1234567 → "1,234,567".
public func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}

extension String {
    /// Right-aligned in `n` columns (never cut).
    public func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    /// Left-aligned in `n` columns (never cut).
    public func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
