import HosoCore

// The errors of the archive's sync workflows (HosoKit's nodes, peers, bundles and intake), by code.
extension HosoError.Code {
    /// The archive is a sync node already.
    public static let nodeExists = Self("NODE_EXISTS", .badInput)
    /// The archive is not a sync node yet (`hoso node init`).
    public static let nodeNotInitialised = Self("NODE_NOT_FOUND", .notFound)
    /// A peer of this name or node id is known already.
    public static let peerExists = Self("PEER_EXISTS", .badInput)
    /// No peer of this name or node id.
    public static let peerNotFound = Self("PEER_NOT_FOUND", .notFound)
    /// The bundle was made for another node.
    public static let wrongRecipient = Self("BUNDLE_WRONG_RECIPIENT", .badInput)
    /// An older (or different, same-numbered) bundle from this peer was imported already.
    public static let bundleReplayed = Self("BUNDLE_REPLAYED", .badInput)
    /// A revision arrived without its parents, or a signature without its revision.
    public static let syncIncomplete = Self("SYNC_INCOMPLETE", .badInput)
}
