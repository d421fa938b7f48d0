import Foundation

/// A place where readers are: `terminal.location` (`tml_…`).
public struct LocationRecord: StoredRecord, Equatable {
    public static let table = "terminal_locations"
    public static let objectName = "terminal.location"
    public static var hidesDeleted: Bool { true }

    public var id: String
    public var displayName: String
    /// The address as a JSON object (line1, line2, city, state, postal_code, country).
    public var address: String
    public var metadata: String
    public var created: Int64
    public var deleted: Bool
    public var isDeleted: Bool { deleted }
}

/// A card reader registered with the gateway: `terminal.reader` (`tmr_…`). A running vtpe terminal is one.
public struct ReaderRecord: StoredRecord, Equatable {
    public static let table = "terminal_readers"
    public static let objectName = "terminal.reader"
    public static var hidesDeleted: Bool { true }

    public var id: String
    public var label: String
    public var location: String
    /// The firmware profile id of a vtpe terminal (`countertop`, …) or `simulated_wisepos_e`.
    public var deviceType: String
    public var serialNumber: String
    public var deviceSwVersion: String?
    public var ipAddress: String?
    /// Unix seconds of the last heartbeat; the reader is `online` while it is recent.
    public var lastSeenAt: Int64?
    /// The current or last action as a JSON object, or nil.
    public var action: String?
    public var metadata: String
    public var created: Int64
    public var deleted: Bool
    /// Goes up with every change of the action, so a terminal's long poll knows when to answer.
    public var actionVersion: Int64
    /// The card a QA script presented (`present_payment_method`), sealed with the vault key, until the terminal
    /// has taken it.
    public var presentedCard: String?
    /// What a running vtpe terminal reported at its last heartbeat (profile, firmware, battery, network …), as a JSON
    /// object of the `vtpe_` fields.
    public var vtpeStatus: String? = nil
    public var isDeleted: Bool { deleted }

    /// A reader is online while its last heartbeat is at most this old.
    public static let onlineWindow: Int64 = 30

    public func status(now: Int64) -> String {
        guard let lastSeenAt else { return deviceType.hasPrefix("simulated") ? "online" : "offline" }
        return now - lastSeenAt <= Self.onlineWindow ? "online" : "offline"
    }
}

extension Render {
    static func location(_ l: LocationRecord) -> JSONValue {
        .object([
            ("id", .string(l.id)),
            ("object", "terminal.location"),
            ("address", json(l.address)),
            ("display_name", .string(l.displayName)),
            ("livemode", false),
            ("metadata", metadata(l.metadata)),
        ])
    }

    static func reader(_ r: ReaderRecord, now: Int64) -> JSONValue {
        .object([
            ("id", .string(r.id)),
            ("object", "terminal.reader"),
            ("action", json(r.action)),
            ("device_sw_version", .string(r.deviceSwVersion)),
            ("device_type", .string(r.deviceType)),
            ("ip_address", .string(r.ipAddress)),
            ("label", .string(r.label)),
            ("last_seen_at", r.lastSeenAt.map { .int($0 * 1000) } ?? .null),
            ("livemode", false),
            ("location", .string(r.location)),
            ("metadata", metadata(r.metadata)),
            ("serial_number", .string(r.serialNumber)),
            ("status", .string(r.status(now: now))),
        ] + vtpeStatus(r))
    }

    /// The `vtpe_` fields of a reader: what its terminal's last heartbeat said (null for a reader that never said).
    static func vtpeStatus(_ r: ReaderRecord) -> [(String, JSONValue)] {
        let reported: [(String, JSONValue)] = r.vtpeStatus.flatMap { JSONValue(jsonText: $0) }.flatMap { if case .object(let f) = $0 { f } else { nil } } ?? []
        func value(_ name: String) -> JSONValue { reported.first { $0.0 == name }?.1 ?? .null }
        return ReaderStatusFields.all.map { ("vtpe_\($0)", value($0)) }
    }

    static func deleted(_ id: String, object: String) -> JSONValue {
        .object([("id", .string(id)), ("object", .string(object)), ("deleted", true)])
    }
}

/// A base derivation key (BDK) of one location and DUKPT scheme, sealed under the vault key. Its id is the BDK ID
/// (8 hex digits) that the first four bytes of every KSN under it carry.
public struct TerminalKeyRecord: StoredRecord, Equatable {
    public static let table = "terminal_keys"
    public static let objectName = "terminal key"

    public var id: String
    public var location: String
    /// `aes_dukpt` or `tdes_dukpt`.
    public var scheme: String
    public var sealedBdk: String
    public var created: Int64
}

/// A card cryptogram the issuer has seen; the id is the card fingerprint, PSN, ATC and cryptogram, so a second
/// request with the same one is a replay.
public struct CryptogramUseRecord: StoredRecord, Equatable {
    public static let table = "issuer_cryptograms"
    public static let objectName = "cryptogram"

    public var id: String
    public var fingerprint: String
    public var atc: Int64
    public var created: Int64
}
