#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Client addresses as the limits on them see them.
public enum ClientAddress {
    /// What limits count a client by: an IPv4 address as it is; an IPv6 address by its /64, since one subscriber or host
    /// is given a whole /64 and could otherwise take a fresh address for every try; an IPv4 address written in IPv6
    /// (`::ffff:a.b.c.d`) as the IPv4 address. Anything that does not parse is its own key.
    public static func limitKey(_ address: String) -> String {
        let bare = address.split(separator: "%", maxSplits: 1).first.map(String.init) ?? address
        var v6 = in6_addr()
        guard bare.contains(":"), inet_pton(AF_INET6, bare, &v6) == 1 else { return address }
        let b = withUnsafeBytes(of: v6) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
            return "\(b[12]).\(b[13]).\(b[14]).\(b[15])"
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
