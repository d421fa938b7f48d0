import Foundation
import PaymentCore
import PaymentCrypto
import Yams

/// A terminal model: form factor, screen, printer, card interfaces and the limits its firmware applies.
/// Loaded from `firmware-profiles/<id>.yaml` and validated before a terminal starts.
public struct FirmwareProfile: Sendable, Equatable {
    public enum FormFactor: String, Sendable, Codable, CaseIterable {
        case countertop, portable, smartpos, mpos, softpos
    }

    public enum CardInterface: String, Sendable, Codable, CaseIterable {
        case contact, contactless, magstripe
    }

    public struct Display: Sendable, Equatable {
        public var columns: Int
        public var rows: Int
    }

    public struct Limits: Sendable, Equatable {
        /// The largest amount the keypad accepts.
        public var maxAmount: Money
        /// Above it, a transaction must go online.
        public var floorLimit: Money
        /// Above it, a tap is refused: insert the card.
        public var contactlessTransactionLimit: Money
        /// Above it, a tap needs a cardholder verification (PIN or CDCVM).
        public var contactlessCVMLimit: Money
    }

    /// The languages a terminal speaks (screens and receipts).
    public enum Language: String, Sendable, CaseIterable { case en, fr }

    /// The transaction types a terminal may enable.
    public enum TransactionType: String, Sendable, CaseIterable {
        case sale, preauthorization, completion, void, refund, reprint, batch
    }

    /// How a tip is taken on the terminal.
    public enum TipMode: String, Sendable, CaseIterable {
        /// No tip on the terminal (a tip the server sends is still added).
        case off
        /// The cardholder picks one of the profile's percentages (or none).
        case prompt
        /// The cardholder types the tip amount.
        case typed
    }

    public struct Tipping: Sendable, Equatable {
        public var mode: TipMode
        /// For `prompt`: the percentages offered, e.g. 10, 15, 20.
        public var percentages: [Int]
    }

    /// When a receipt copy prints (or, without a printer, is written as an e-receipt).
    public enum CopyPolicy: String, Sendable, CaseIterable {
        case always
        /// Only when asked for (France since 2023-08-01: the customer ticket).
        case onRequest = "on_request"
        case never
    }

    public struct ReceiptSettings: Sendable, Equatable {
        /// Lines above the transaction (shop name, address); default: the merchant's name and city.
        public var header: [String]
        /// Lines at the bottom.
        public var footer: [String]
        public var merchantCopy: CopyPolicy
        public var customerCopy: CopyPolicy
        /// Send the e-receipt to the sale's `receipt_email` when it has one.
        public var email: Bool
    }

    public struct Keypad: Sendable, Equatable {
        /// The device's keys: digits, cancel (red), clear (yellow), enter (green), menu, f1–f4.
        public var keys: [String]
        /// A touch screen (touch-style menus, PIN on glass for softpos).
        public var touch: Bool
    }

    /// A battery-powered device's battery (portable and mobile profiles).
    public struct Battery: Sendable, Equatable {
        public var capacityMAh: Int
        /// Percent of charge one transaction uses.
        public var drainPerTransaction: Double
        /// Percent of charge an idle minute uses.
        public var drainPerIdleMinute: Double
    }

    /// The terminal's EMV data (EMV Book 4, Annex A).
    public struct EMVSettings: Sendable, Equatable {
        /// 9F35, e.g. 0x22 (attended, offline with online capability, merchant).
        public var terminalType: UInt8
        /// 9F33; nil: derived from the interfaces and the printer.
        public var terminalCapabilities: [UInt8]?
        /// 9F40.
        public var additionalTerminalCapabilities: [UInt8]
        /// Terminal action codes (denial, online, default).
        public var tac: (denial: [UInt8], online: [UInt8], default: [UInt8])?
        /// The card schemes accepted, in the terminal's priority order (`cb`, `visa`, `mastercard` …).
        public var applications: [String]
        /// Contactless limits for currencies other than the profile's own (whose limits are in `limits`).
        public var contactlessLimits: [String: ContactlessLimits]

        public static func == (a: EMVSettings, b: EMVSettings) -> Bool {
            a.terminalType == b.terminalType && a.terminalCapabilities == b.terminalCapabilities
                && a.additionalTerminalCapabilities == b.additionalTerminalCapabilities && a.applications == b.applications
                && a.contactlessLimits == b.contactlessLimits && a.tac?.denial == b.tac?.denial && a.tac?.online == b.tac?.online
                && a.tac?.default == b.tac?.default
        }
    }

    public struct ContactlessLimits: Sendable, Equatable {
        /// Above it, a tap is refused: insert the card.
        public var transaction: Money
        /// Above it, a tap needs a cardholder verification.
        public var cvm: Money
    }

    public var id: String
    /// The profile this one extends (its id or file), if any.
    public var extends: String?
    public var name: String
    public var model: String
    public var formFactor: FormFactor
    public var language: Language
    public var display: Display
    public var keypad: Keypad
    /// Receipt printer width in characters; nil when the device has no printer (e-receipt only).
    public var printerColumns: Int?
    public var currency: Currency
    public var country: String
    public var interfaces: [CardInterface]
    public var connectivity: [String]
    /// Nil for mains-powered devices.
    public var batteryModel: Battery?
    public var battery: Bool { batteryModel != nil }
    public var limits: Limits
    public var transactionTypes: [TransactionType]
    /// A completion may exceed the authorized amount (an incremental authorization first).
    public var incrementalAuthorization: Bool
    /// A refund without an earlier transaction, to the card presented.
    public var unreferencedRefund: Bool
    public var tipping: Tipping
    public var receipt: ReceiptSettings
    public var emv: EMVSettings
    public var merchantName: String
    public var merchantCity: String
    /// The merchant's acquirer contract number (printed on CB tickets).
    public var merchantContract: String?
    /// How the terminal protects track 2 and PIN blocks: AES DUKPT (the default) or TDES DUKPT.
    public var keyManagement: DUKPTScheme = .aes
    public var firmwareVersion: String
    public var kernelVersion: String
    /// Where the profile was read from (for messages).
    public var source: String
    /// The network the terminal starts with (emulated; docs/networks.md).
    public var network: Network = Network()
    /// When payments may be approved without the gateway and forwarded later.
    public var offline: OfflinePolicy = .disabled

    /// The emulated link's figures, outages and seed.
    public struct Network: Sendable, Equatable {
        public var conditions = NetworkConditions()
        public var outages = OutageSchedule.none
        public var seed: UInt64 = 1
    }

    /// The contactless limits for a transaction in `currency`.
    public func contactlessLimits(for currency: Currency) -> ContactlessLimits {
        emv.contactlessLimits[currency.code]
            ?? ContactlessLimits(transaction: limits.contactlessTransactionLimit, cvm: limits.contactlessCVMLimit)
    }

    public func enables(_ type: TransactionType) -> Bool { transactionTypes.contains(type) }

    /// The repository's profile folder is searched in this order: `$VTPE_PROFILES_DIR`, `./firmware-profiles`,
    /// then upwards from the executable (so `.build/debug/vtpe` finds the checkout's folder).
    public static func searchDirectories(executable: String = CommandLine.arguments.first ?? "") -> [URL] {
        var dirs: [URL] = []
        if let env = ProcessInfo.processInfo.environment["VTPE_PROFILES_DIR"], !env.isEmpty {
            dirs.append(URL(fileURLWithPath: env))
        }
        dirs.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("firmware-profiles"))
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            dirs.append(dir.appendingPathComponent("firmware-profiles"))
            dir = dir.deletingLastPathComponent()
        }
        return dirs
    }

    /// Finds a profile by id (`countertop`) or path (`./my.yaml`).
    public static func load(named nameOrPath: String, searching dirs: [URL] = searchDirectories()) throws(ProfileError) -> FirmwareProfile {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") {
            return try load(from: URL(fileURLWithPath: nameOrPath), searching: dirs)
        }
        for dir in dirs {
            let url = dir.appendingPathComponent(nameOrPath + ".yaml")
            if FileManager.default.fileExists(atPath: url.path) { return try load(from: url, searching: dirs) }
        }
        let known = (try? list(searching: dirs).map(\.id)) ?? []
        throw ProfileError(file: nameOrPath, line: nil, message: "no firmware profile named '\(nameOrPath)'"
            + (known.isEmpty ? " (no firmware-profiles folder found; set VTPE_PROFILES_DIR)" : "; known profiles: \(known.joined(separator: ", "))"))
    }

    /// Every valid profile in the first folder that exists.
    public static func list(searching dirs: [URL] = searchDirectories()) throws(ProfileError) -> [FirmwareProfile] {
        guard let dir = dirs.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return [] }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        var out: [FirmwareProfile] = []
        for f in files { out.append(try load(from: dir.appendingPathComponent(f), searching: [dir] + dirs)) }
        return out
    }

    /// Reads and validates one profile file, with its `extends:` chain.
    public static func load(from url: URL, searching dirs: [URL] = searchDirectories()) throws(ProfileError) -> FirmwareProfile {
        try validated(ProfileDocument.load(url, searching: dirs))
    }

    /// Parses and validates profile YAML; errors carry `file:line`.
    public static func parse(yaml: String, source: String, searching dirs: [URL] = searchDirectories()) throws(ProfileError) -> FirmwareProfile {
        try validated(ProfileDocument.parse(yaml: yaml, source: source, searching: dirs))
    }

    /// This profile's file with its `extends:` chain applied, as YAML (what `vtpe profiles show` prints).
    public func resolvedYAML(searching dirs: [URL] = FirmwareProfile.searchDirectories()) throws(ProfileError) -> String {
        let document = try ProfileDocument.load(URL(fileURLWithPath: source), searching: dirs)
        let text: String
        do { text = try Yams.serialize(node: document.root) } catch {
            throw ProfileError(file: source, line: nil, message: "cannot print the profile: \(error)")
        }
        let chain = document.chain.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " ← ")
        return "# \(id), resolved from \(chain)\n" + text
    }

    private static func validated(_ document: ProfileDocument) throws(ProfileError) -> FirmwareProfile {
        let raw: RawProfile
        do {
            raw = try YAMLDecoder().decode(RawProfile.self, from: document.root)
        } catch let error as DecodingError {
            throw ProfileError.from(error, document: document)
        } catch {
            throw ProfileError(file: document.source, line: nil, message: "\(error)")
        }
        return try raw.validated(document)
    }
}

