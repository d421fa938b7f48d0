import PaymentCore

/// A cardholder verification method code: the low six bits of byte 1 of a CV rule (EMV Book 3 Annex C3).
public struct CVMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x3F }

    public static let failCVMProcessing = CVMethod(rawValue: 0x00)
    public static let offlinePlaintextPIN = CVMethod(rawValue: 0x01)
    public static let onlinePIN = CVMethod(rawValue: 0x02)
    public static let offlinePlaintextPINAndSignature = CVMethod(rawValue: 0x03)
    public static let offlineEncipheredPIN = CVMethod(rawValue: 0x04)
    public static let offlineEncipheredPINAndSignature = CVMethod(rawValue: 0x05)
    public static let signature = CVMethod(rawValue: 0x1E)
    public static let noCVMRequired = CVMethod(rawValue: 0x1F)
    /// Used only in CVM Results: no CVM was performed.
    public static let notAvailable = CVMethod(rawValue: 0x3F)

    static let names: [UInt8: String] = [
        0x00: "fail CVM processing", 0x01: "plaintext PIN verified by ICC", 0x02: "enciphered PIN verified online",
        0x03: "plaintext PIN verified by ICC and signature", 0x04: "enciphered PIN verified by ICC",
        0x05: "enciphered PIN verified by ICC and signature", 0x1E: "signature", 0x1F: "no CVM required",
        0x3F: "no CVM performed",
    ]

    /// The JSON names used in card profiles.
    static let profileNames: [String: CVMethod] = [
        "fail": .failCVMProcessing, "offline_plaintext_pin": .offlinePlaintextPIN, "online_pin": .onlinePIN,
        "offline_plaintext_pin_and_signature": .offlinePlaintextPINAndSignature,
        "offline_enciphered_pin": .offlineEncipheredPIN,
        "offline_enciphered_pin_and_signature": .offlineEncipheredPINAndSignature,
        "signature": .signature, "no_cvm": .noCVMRequired,
    ]

    /// True for the codes EMV defines (others are reserved for payment systems or issuers).
    public var isRecognised: Bool { Self.names[rawValue] != nil && self != .notAvailable }

    public var description: String { Self.names[rawValue] ?? "CVM \(HexCoding.encode([rawValue]))" }
}

/// When a CV rule applies: byte 2 of a CV rule (EMV Book 3 Annex C3).
public struct CVMCondition: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let always = CVMCondition(rawValue: 0x00)
    public static let unattendedCash = CVMCondition(rawValue: 0x01)
    public static let notCashOrCashback = CVMCondition(rawValue: 0x02)
    public static let terminalSupportsCVM = CVMCondition(rawValue: 0x03)
    public static let manualCash = CVMCondition(rawValue: 0x04)
    public static let purchaseWithCashback = CVMCondition(rawValue: 0x05)
    public static let underX = CVMCondition(rawValue: 0x06)
    public static let overX = CVMCondition(rawValue: 0x07)
    public static let underY = CVMCondition(rawValue: 0x08)
    public static let overY = CVMCondition(rawValue: 0x09)

    static let names: [UInt8: String] = [
        0x00: "always", 0x01: "if unattended cash", 0x02: "if not unattended cash, manual cash or cashback",
        0x03: "if terminal supports the CVM", 0x04: "if manual cash", 0x05: "if purchase with cashback",
        0x06: "if in application currency and under X", 0x07: "if in application currency and over X",
        0x08: "if in application currency and under Y", 0x09: "if in application currency and over Y",
    ]

    static let profileNames: [String: CVMCondition] = [
        "always": .always, "unattended_cash": .unattendedCash, "not_cash_or_cashback": .notCashOrCashback,
        "terminal_supports": .terminalSupportsCVM, "manual_cash": .manualCash, "cashback": .purchaseWithCashback,
        "under_x": .underX, "over_x": .overX, "under_y": .underY, "over_y": .overY,
    ]

    public var description: String { Self.names[rawValue] ?? "condition \(HexCoding.encode([rawValue]))" }
}

/// One cardholder verification rule: a method, a condition, and what to do when the method fails.
public struct CVMRule: Hashable, Sendable, CustomStringConvertible {
    public var method: CVMethod
    public var condition: CVMCondition
    /// Byte 1 bit 7: on failure go on with the next rule (true) or fail cardholder verification (false).
    public var applySucceedingRuleIfUnsuccessful: Bool

    public init(method: CVMethod, condition: CVMCondition, applySucceedingRuleIfUnsuccessful: Bool) {
        self.method = method
        self.condition = condition
        self.applySucceedingRuleIfUnsuccessful = applySucceedingRuleIfUnsuccessful
    }

    /// The two bytes of the rule.
    public var bytes: [UInt8] { [method.rawValue | (applySucceedingRuleIfUnsuccessful ? 0x40 : 0), condition.rawValue] }

    public var description: String {
        "\(method), \(condition), \(applySucceedingRuleIfUnsuccessful ? "else next rule" : "else fail")"
    }
}

/// The CVM List, tag 8E: amounts X and Y, then the rules in the issuer's order of preference.
public struct CVMList: Hashable, Sendable {
    /// Amount X in the application currency's minor units.
    public var amountX: UInt32
    /// Amount Y in the application currency's minor units.
    public var amountY: UInt32
    public var rules: [CVMRule]

    public init(amountX: UInt32 = 0, amountY: UInt32 = 0, rules: [CVMRule]) {
        self.amountX = amountX
        self.amountY = amountY
        self.rules = rules
    }

    /// Parses the value of tag 8E: at least the two amounts, then an even number of rule bytes.
    public init(bytes: [UInt8]) throws(EMVError) {
        guard bytes.count >= 8, bytes.count % 2 == 0 else {
            throw EMVError(
                .invalidData,
                "A CVM list is two 4-byte amounts followed by 2-byte rules; this one is \(bytes.count) bytes long.",
                location: "8E"
            )
        }
        amountX = bytes[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
        amountY = bytes[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        rules = stride(from: 8, to: bytes.count, by: 2).map { index in
            CVMRule(
                method: CVMethod(rawValue: bytes[index]),
                condition: CVMCondition(rawValue: bytes[index + 1]),
                applySucceedingRuleIfUnsuccessful: bytes[index] & 0x40 != 0
            )
        }
    }

    /// The value of tag 8E.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for amount in [amountX, amountY] {
            out += [UInt8(amount >> 24), UInt8(amount >> 16 & 0xFF), UInt8(amount >> 8 & 0xFF), UInt8(amount & 0xFF)]
        }
        return out + rules.flatMap(\.bytes)
    }
}

/// CVM Results, tag 9F34: the method performed (byte 1 of its rule), its condition, and whether it worked.
public struct CVMResults: Hashable, Sendable, CustomStringConvertible {
    /// Byte 3 of CVM Results.
    public enum Result: UInt8, Sendable {
        /// Unknown until the issuer or merchant checks it (online PIN, signature).
        case unknown = 0x00
        case failed = 0x01
        case successful = 0x02
    }

    /// Byte 1: the rule's first byte, including its "apply succeeding rule" bit.
    public var methodByte: UInt8
    public var condition: CVMCondition
    public var result: Result

    public init(methodByte: UInt8, condition: CVMCondition, result: Result) {
        self.methodByte = methodByte
        self.condition = condition
        self.result = result
    }

    /// The results for a rule that was applied.
    public init(rule: CVMRule, result: Result) {
        self.init(methodByte: rule.bytes[0], condition: rule.condition, result: result)
    }

    /// Reads the three bytes of 9F34; nil for any other length or an unknown result byte.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 3, let result = Result(rawValue: bytes[2]) else { return nil }
        self.init(methodByte: bytes[0], condition: CVMCondition(rawValue: bytes[1]), result: result)
    }

    /// `3F 00 00`: the card does not support cardholder verification, so none was performed.
    public static let notPerformed = CVMResults(methodByte: 0x3F, condition: .always, result: .unknown)
    /// `3F 00 01`: no rule of the CVM list could be applied.
    public static let noRuleApplied = CVMResults(methodByte: 0x3F, condition: .always, result: .failed)
    /// `1F 00 02`: contactless at or under the CVM-required limit.
    public static let noCVMRequired = CVMResults(methodByte: 0x1F, condition: .always, result: .successful)
    /// `01 00 02`: on-device (consumer device) cardholder verification, coded as EMV Book C-2 codes it.
    public static let consumerDeviceCVM = CVMResults(methodByte: 0x01, condition: .always, result: .successful)

    /// The method code (without the "apply succeeding rule" bit).
    public var method: CVMethod { CVMethod(rawValue: methodByte) }

    public var bytes: [UInt8] { [methodByte, condition.rawValue, result.rawValue] }

    /// "420300: enciphered PIN verified online, if terminal supports the CVM, unknown".
    public var description: String {
        let result = switch self.result {
        case .unknown: "unknown"
        case .failed: "failed"
        case .successful: "successful"
        }
        return "\(HexCoding.encode(bytes)): \(method), \(condition), \(result)"
    }
}
