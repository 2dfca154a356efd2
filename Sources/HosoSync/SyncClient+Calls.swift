import Foundation
import HosoCore

/// The sync protocol's calls, typed: what each request sends and what its answer holds.
extension SyncClient {
    /// The server's node id.
    package func hello() throws -> String {
        struct Hello: Decodable { var node: String }
        return try JSONDecoder().decode(Hello.self, from: Data(try call("hello", body: []))).node
    }

    /// The server's node id and the size of this node's checkpoint it holds (0: none).
    package func helloWitness() throws -> (node: String, seen: UInt64) {
        struct Hello: Decodable {
            var node: String
            var seen: String?
        }
        let h = try JSONDecoder().decode(Hello.self, from: Data(try call("hello", body: [])))
        return (h.node, h.seen.flatMap { UInt64($0) } ?? 0)
    }

    /// Exchanges witnessing messages: this node's checkpoint and proof for the server's.
    package func witness(_ m: WitnessMessage) throws -> WitnessMessage {
        try JSONDecoder().decode(WitnessMessage.self, from: Data(try call("witness", body: Array(JSONEncoder().encode(m)))))
    }

    /// Of the objects offered, the ids the server lacks.
    package func want(_ have: [SyncItem]) throws -> Set<String> {
        struct Want: Decodable { var want: [String] }
        return Set(
            try JSONDecoder().decode(Want.self, from: Data(try call("want", body: Array(JSONEncoder().encode(["have": have]))))).want)
    }

    /// Sends a batch of framed objects, committed whole on arrival.
    package func push(_ frames: [UInt8]) throws { _ = try call("objects", body: frames) }

    /// What the server would send this node.
    package func offer() throws -> [SyncItem] {
        struct Items: Decodable { var items: [SyncItem] }
        return try JSONDecoder().decode(Items.self, from: Data(try call("offer", body: Array("{}".utf8)))).items
    }

    /// The offered objects with these ids, framed.
    package func fetch(_ ids: [String]) throws -> [UInt8] { try call("fetch", body: Array(JSONEncoder().encode(["ids": ids]))) }

    /// Tells the server these objects are here, so its next offer carries only what is new (in requests of at most
    /// 20,000 ids, to stay within its body limit).
    package func acknowledge(_ ids: [String]) throws {
        var i = 0
        while i < ids.count {
            _ = try call("ack", body: Array(JSONEncoder().encode(["ids": Array(ids[i..<min(ids.count, i + 20_000)])])))
            i += 20_000
        }
    }
}

/// `items` cut into consecutive batches of at most `bytes`, never inside a group (`endsGroup` is true at each group's
/// last item) unless the group alone is larger than `bytes`; then it goes in batches of its own. A sync sends a
/// revision just after the files it names: kept in one batch, they are checked and committed together, and no file
/// waits in the receiving server's inbox for a batch that a load balancer may hand to another server.
package func batches<T>(_ items: [T], bytes: UInt64, size: (T) -> UInt64, endsGroup: (T) -> Bool) -> [ArraySlice<T>] {
    var out = [ArraySlice<T>]()
    var (start, end, total): (Int, Int, UInt64) = (0, 0, 0)
    var groupStart = 0
    for (i, item) in items.enumerated() where endsGroup(item) || i == items.count - 1 {
        let group = groupStart..<(i + 1)
        groupStart = i + 1
        let groupBytes = items[group].reduce(UInt64(0)) { $0 + size($1) }
        if end > start && total + groupBytes > bytes {
            out.append(items[start..<end])
            (start, total) = (end, 0)
        }
        if groupBytes > bytes {
            for piece in batches(Array(items[group]), bytes: bytes, size: size) {
                out.append(items[(group.lowerBound + piece.startIndex)..<(group.lowerBound + piece.endIndex)])
            }
            (start, end, total) = (group.upperBound, group.upperBound, 0)
            continue
        }
        end = group.upperBound
        total += groupBytes
    }
    if end > start { out.append(items[start..<end]) }
    return out
}

/// `items` cut into consecutive batches of at most `bytes` (a larger item goes alone).
package func batches<T>(_ items: [T], bytes: UInt64, size: (T) -> UInt64) -> [ArraySlice<T>] {
    var out = [ArraySlice<T>]()
    var start = 0
    while start < items.count {
        var end = start
        var total: UInt64 = 0
        while end < items.count && (end == start || total + size(items[end]) <= bytes) {
            total += size(items[end])
            end += 1
        }
        out.append(items[start..<end])
        start = end
    }
    return out
}
