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

    public var id: String
    public var name: String
    public var model: String
    public var formFactor: FormFactor
    public var display: Display
    /// Receipt printer width in characters; nil when the device has no printer (e-receipt only).
    public var printerColumns: Int?
    public var currency: Currency
    public var country: String
    public var interfaces: [CardInterface]
    public var connectivity: [String]
    public var battery: Bool
    public var limits: Limits
    public var merchantName: String
    public var merchantCity: String
    /// How the terminal protects track 2 and PIN blocks: AES DUKPT (the default) or TDES DUKPT.
    public var keyManagement: DUKPTScheme = .aes
    /// Where the profile was read from (for messages).
    public var source: String

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
            return try load(from: URL(fileURLWithPath: nameOrPath))
        }
        for dir in dirs {
            let url = dir.appendingPathComponent(nameOrPath + ".yaml")
            if FileManager.default.fileExists(atPath: url.path) { return try load(from: url) }
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
        for f in files { out.append(try load(from: dir.appendingPathComponent(f))) }
        return out
    }

    /// Reads and validates one profile file.
    public static func load(from url: URL) throws(ProfileError) -> FirmwareProfile {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ProfileError(file: url.path, line: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, source: url.path)
    }

    /// Parses and validates profile YAML; errors carry `file:line`.
    public static func parse(yaml: String, source: String) throws(ProfileError) -> FirmwareProfile {
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else {
                throw ProfileError(file: source, line: nil, message: "the file is empty")
            }
            node = n
        } catch let e as ProfileError {
            throw e
        } catch let YamlError.scanner(_, problem, mark, _), let YamlError.parser(_, problem, mark, _) {
            throw ProfileError(file: source, line: mark.line, message: "not valid YAML: \(problem)")
        } catch {
            throw ProfileError(file: source, line: nil, message: "not valid YAML: \(error)")
        }
        let raw: RawProfile
        do {
            raw = try YAMLDecoder().decode(RawProfile.self, from: node)
        } catch let error as DecodingError {
            throw ProfileError.from(error, root: node, file: source)
        } catch {
            throw ProfileError(file: source, line: nil, message: "\(error)")
        }
        return try raw.validated(root: node, source: source)
    }
}

/// A profile that cannot be used, with where the problem is.
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
    }

    static func from(_ error: DecodingError, root: Node, file: String) -> ProfileError {
        let path = codingPathDescription
        switch error {
        case .keyNotFound(let key, let ctx):
            let at = ctx.codingPath.isEmpty ? "" : " in '\(path(ctx.codingPath))'"
            return ProfileError(file: file, line: line(of: ctx.codingPath, in: root), message: "missing field '\(key.stringValue)'\(at)")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return ProfileError(file: file, line: line(of: ctx.codingPath, in: root),
                                message: "field '\(path(ctx.codingPath))': \(ctx.debugDescription)")
        @unknown default:
            return ProfileError(file: file, line: nil, message: "\(error)")
        }
    }

    /// The line of the node at a coding path (or of its nearest ancestor that exists).
    static func line(of path: [any CodingKey], in root: Node) -> Int? {
        var node = root
        var line = root.mark?.line
        for key in path {
            let next: Node?
            if let i = key.intValue, let seq = node.sequence, seq.indices.contains(i) { next = seq[i] } else { next = node[key.stringValue] }
            guard let next else { break }
            node = next
            line = next.mark?.line ?? line
        }
        return line
    }
}

/// The YAML shape, before validation.
private struct RawProfile: Decodable {
    struct Display: Decodable { var columns: Int; var rows: Int }
    struct Printer: Decodable { var columns: Int }
    struct Limits: Decodable {
        var maxAmount: String
        var floorLimit: String
        var contactlessTransactionLimit: String
        var contactlessCvmLimit: String
        enum CodingKeys: String, CodingKey {
            case maxAmount = "max_amount", floorLimit = "floor_limit"
            case contactlessTransactionLimit = "contactless_transaction_limit", contactlessCvmLimit = "contactless_cvm_limit"
        }
    }
    struct Merchant: Decodable { var name: String; var city: String }

    var id: String
    var name: String
    var model: String
    var formFactor: FirmwareProfile.FormFactor
    var display: Display
    var printer: Printer?
    var currency: String
    var country: String
    var interfaces: [FirmwareProfile.CardInterface]
    var connectivity: [String]
    var battery: Bool
    var limits: Limits
    var merchant: Merchant
    var keyManagement: String?

    enum CodingKeys: String, CodingKey {
        case id, name, model, formFactor = "form_factor", display, printer, currency, country, interfaces, connectivity, battery, limits, merchant
        case keyManagement = "key_management"
    }

    func validated(root: Node, source: String) throws(ProfileError) -> FirmwareProfile {
        func fail(_ path: [String], _ message: String) -> ProfileError {
            var node: Node? = root
            var line = root.mark?.line
            for p in path { node = node?[p]; if let l = node?.mark?.line { line = l } }
            return ProfileError(file: source, line: line, message: message)
        }
        guard id.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw fail(["id"], "id '\(id)' must be lower-case letters, digits and dashes")
        }
        guard (20...200).contains(display.columns), (8...100).contains(display.rows) else {
            throw fail(["display"], "display must be 20–200 columns and 8–100 rows, not \(display.columns)×\(display.rows)")
        }
        if let printer, !(16...64).contains(printer.columns) {
            throw fail(["printer", "columns"], "printer columns must be 16–64 (58 mm paper is 32), not \(printer.columns)")
        }
        let cur: Currency
        do { cur = try Currency(code: currency) } catch { throw fail(["currency"], "unknown ISO 4217 currency '\(currency)'") }
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw fail(["country"], "country must be an ISO 3166 alpha-2 code such as FR, not '\(country)'")
        }
        guard FirmwareProfile.numericCountryCodes[country] != nil else {
            throw fail(["country"], "country '\(country)' is not one this terminal knows the ISO 3166 number of (known: \(FirmwareProfile.numericCountryCodes.keys.sorted().joined(separator: " ")))")
        }
        let scheme: DUKPTScheme
        switch keyManagement {
        case nil: scheme = .aes
        case let text?:
            guard let s = DUKPTScheme(rawValue: text) else {
                throw fail(["key_management"], "key_management must be aes_dukpt or tdes_dukpt, not '\(text)'")
            }
            scheme = s
        }
        guard !interfaces.isEmpty else { throw fail(["interfaces"], "a terminal needs at least one card interface") }
        func money(_ key: String, _ text: String) throws(ProfileError) -> Money {
            do { return try Money.parse(text, currency: cur) } catch {
                throw fail(["limits", key], "limits.\(key) '\(text)' is not an amount in \(cur.code) (\(error.message))")
            }
        }
        let limits = FirmwareProfile.Limits(
            maxAmount: try money("max_amount", self.limits.maxAmount),
            floorLimit: try money("floor_limit", self.limits.floorLimit),
            contactlessTransactionLimit: try money("contactless_transaction_limit", self.limits.contactlessTransactionLimit),
            contactlessCVMLimit: try money("contactless_cvm_limit", self.limits.contactlessCvmLimit))
        guard limits.maxAmount.minorUnits > 0 else { throw fail(["limits", "max_amount"], "limits.max_amount must be above zero") }
        guard limits.contactlessCVMLimit.minorUnits <= limits.contactlessTransactionLimit.minorUnits else {
            throw fail(["limits", "contactless_cvm_limit"], "limits.contactless_cvm_limit must not exceed limits.contactless_transaction_limit")
        }
        guard limits.contactlessTransactionLimit.minorUnits <= limits.maxAmount.minorUnits else {
            throw fail(["limits", "contactless_transaction_limit"], "limits.contactless_transaction_limit must not exceed limits.max_amount")
        }
        guard !merchant.name.isEmpty else { throw fail(["merchant", "name"], "merchant.name must not be empty") }
        return FirmwareProfile(
            id: id, name: name, model: model, formFactor: formFactor,
            display: .init(columns: display.columns, rows: display.rows), printerColumns: printer?.columns,
            currency: cur, country: country, interfaces: interfaces, connectivity: connectivity, battery: battery,
            limits: limits, merchantName: merchant.name, merchantCity: merchant.city, keyManagement: scheme, source: source)
    }
}
