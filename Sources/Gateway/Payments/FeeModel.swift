import Foundation
import Yams

/// What the gateway charges the merchant per captured payment, from configuration: a percentage plus a fixed fee
/// per payment method type, a fixed fee per currency where it differs, and how many days a charge stays pending
/// before its money is available.
///
/// ```yaml
/// card:          { percent: 2.9, fixed: 30 }   # fixed in the payment currency's minor units
/// card_present:  { percent: 2.7, fixed: 5 }
/// sepa_debit:    { percent: 0, fixed: 35 }
/// bank_transfer: { percent: 0, fixed: 0 }    # customer_balance (SEPA credit transfers)
/// fixed_by_currency: { jpy: 0, kwd: 0 }        # overrides `fixed` for these currencies
/// available_after_days: 2
/// ```
public struct FeeModel: Sendable, Equatable {
    public struct Rate: Sendable, Equatable {
        /// Hundredths of a percent (290 = 2.9 %).
        public var basisPoints: Int64
        public var fixed: Int64

        public init(percent: Double, fixed: Int64) {
            basisPoints = Int64((percent * 100).rounded())
            self.fixed = fixed
        }
    }

    public var card: Rate
    public var cardPresent: Rate
    public var sepaDebit: Rate
    public var bankTransfer: Rate
    public var fixedByCurrency: [String: Int64]
    public var availableAfterDays: Int

    /// Stripe's public list price shape (card 2.9 % + 30, in person 2.7 % + 5, SEPA Direct Debit 35, bank transfers
    /// free), pending for two days.
    public static let standard = FeeModel(card: Rate(percent: 2.9, fixed: 30), cardPresent: Rate(percent: 2.7, fixed: 5),
                                          sepaDebit: Rate(percent: 0, fixed: 35), bankTransfer: Rate(percent: 0, fixed: 0),
                                          fixedByCurrency: [:], availableAfterDays: 2)

    public init(card: Rate, cardPresent: Rate, sepaDebit: Rate, bankTransfer: Rate, fixedByCurrency: [String: Int64], availableAfterDays: Int) {
        self.card = card
        self.cardPresent = cardPresent
        self.sepaDebit = sepaDebit
        self.bankTransfer = bankTransfer
        self.fixedByCurrency = fixedByCurrency
        self.availableAfterDays = availableAfterDays
    }

    /// How a payment was made, for its rate.
    public enum Channel: Sendable {
        case card, cardPresent, sepaDebit, bankTransfer
    }

    /// The fee on `amount` (minor units), rounded half up, never more than the amount itself. A currency's fixed
    /// fee (`fixed_by_currency`) applies to cards; SEPA fixed fees are in euro cents already.
    public func fee(amount: Int64, currency: String, channel: Channel) -> Int64 {
        let rate = switch channel {
        case .card: card
        case .cardPresent: cardPresent
        case .sepaDebit: sepaDebit
        case .bankTransfer: bankTransfer
        }
        let fixed = channel == .card || channel == .cardPresent ? fixedByCurrency[currency.lowercased()] ?? rate.fixed : rate.fixed
        let (product, overflow) = amount.multipliedReportingOverflow(by: rate.basisPoints)
        let percentage = overflow ? amount / 10_000 * rate.basisPoints : (product + 5_000) / 10_000
        return min(amount, percentage + fixed)
    }

    /// The file given with `--fees`, else `<data-dir>/fees.yaml` when it exists, else the standard model.
    public static func load(explicit path: String?, in dataDirectory: URL) throws -> FeeModel {
        if let path { return try load(path: path) }
        let file = dataDirectory.appendingPathComponent("fees.yaml").path
        return FileManager.default.fileExists(atPath: file) ? try load(path: file) : .standard
    }

    /// Reads a YAML fee file; unknown keys and bad values are errors that name the key.
    public static func load(path: String) throws -> FeeModel {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw GatewaySetupError(message: "cannot read the fee configuration \(path)")
        }
        do {
            return try parse(yaml: text)
        } catch let error as GatewaySetupError {
            throw GatewaySetupError(message: "\(path): \(error.message)")
        }
    }

    public static func parse(yaml text: String) throws -> FeeModel {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw GatewaySetupError(message: "not valid YAML: \(error)")
        }
        guard let map = (root ?? [String: Any]()) as? [String: Any] else { throw GatewaySetupError(message: "the fee configuration must be a mapping") }
        let knownKeys: Set = ["card", "card_present", "sepa_debit", "bank_transfer", "fixed_by_currency", "available_after_days"]
        if let unknown = map.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw GatewaySetupError(message: "unknown key '\(unknown)'; known keys: \(knownKeys.sorted().joined(separator: ", "))")
        }
        var model = FeeModel.standard
        func rate(_ key: String, default value: Rate) throws -> Rate {
            guard let entry = map[key] else { return value }
            guard let fields = entry as? [String: Any] else { throw GatewaySetupError(message: "\(key) must be a mapping with percent and fixed") }
            if let unknown = fields.keys.sorted().first(where: { !["percent", "fixed"].contains($0) }) {
                throw GatewaySetupError(message: "unknown key '\(key).\(unknown)'; use percent and fixed")
            }
            let percent = try number(fields["percent"], "\(key).percent") ?? Double(value.basisPoints) / 100
            let fixed = try integer(fields["fixed"], "\(key).fixed") ?? value.fixed
            guard (0...100).contains(percent) else { throw GatewaySetupError(message: "\(key).percent must be between 0 and 100") }
            guard fixed >= 0 else { throw GatewaySetupError(message: "\(key).fixed must not be negative") }
            return Rate(percent: percent, fixed: fixed)
        }
        model.card = try rate("card", default: model.card)
        model.cardPresent = try rate("card_present", default: model.cardPresent)
        model.sepaDebit = try rate("sepa_debit", default: model.sepaDebit)
        model.bankTransfer = try rate("bank_transfer", default: model.bankTransfer)
        if let entry = map["fixed_by_currency"] {
            guard let fields = entry as? [String: Any] else { throw GatewaySetupError(message: "fixed_by_currency must map currency codes to fees") }
            for (currency, value) in fields {
                guard currency.count == 3, currency == currency.lowercased() else {
                    throw GatewaySetupError(message: "fixed_by_currency: '\(currency)' is not a lower-case ISO 4217 code")
                }
                guard let fee = try integer(value, "fixed_by_currency.\(currency)"), fee >= 0 else {
                    throw GatewaySetupError(message: "fixed_by_currency.\(currency) must be a non-negative integer")
                }
                model.fixedByCurrency[currency] = fee
            }
        }
        if let days = try integer(map["available_after_days"], "available_after_days") {
            guard (0...30).contains(days) else { throw GatewaySetupError(message: "available_after_days must be between 0 and 30") }
            model.availableAfterDays = Int(days)
        }
        return model
    }

    private static func number(_ value: Any?, _ key: String) throws -> Double? {
        switch value {
        case nil: return nil
        case let v as Int: return Double(v)
        case let v as Double: return v
        default: throw GatewaySetupError(message: "\(key) must be a number")
        }
    }

    private static func integer(_ value: Any?, _ key: String) throws -> Int64? {
        switch value {
        case nil: return nil
        case let v as Int: return Int64(v)
        default: throw GatewaySetupError(message: "\(key) must be a whole number (minor units)")
        }
    }
}

/// Balance transactions for captured charges and refunds.
enum Ledger {
    static func forCapture(of charge: ChargeRecord, amount: Int64, channel: FeeModel.Channel, fees: FeeModel, now: Int64) -> BalanceTransactionRecord {
        let fee = fees.fee(amount: amount, currency: charge.currency, channel: channel)
        return BalanceTransactionRecord(
            id: ObjectID.make("txn"), type: "charge", source: charge.id, amount: amount, fee: fee, net: amount - fee,
            currency: charge.currency, created: now, availableOn: now + Int64(fees.availableAfterDays) * 86_400,
            description: charge.description, reportingCategory: "charge")
    }

    /// Refunds leave the available balance at once; the fee is not returned.
    static func forRefund(_ refund: RefundRecord, now: Int64) -> BalanceTransactionRecord {
        BalanceTransactionRecord(
            id: ObjectID.make("txn"), type: "refund", source: refund.id, amount: -refund.amount, fee: 0, net: -refund.amount,
            currency: refund.currency, created: now, availableOn: now, description: refund.charge == nil ? "UNREFERENCED REFUND" : "REFUND FOR CHARGE",
            reportingCategory: "refund")
    }

    /// A lost dispute takes the disputed amount back out of the balance at once.
    static func forDispute(_ dispute: DisputeRecord, now: Int64) -> BalanceTransactionRecord {
        BalanceTransactionRecord(
            id: dispute.balanceTransaction, type: "adjustment", source: dispute.id, amount: -dispute.amount, fee: 0, net: -dispute.amount,
            currency: dispute.currency, created: now, availableOn: now, description: "Chargeback withdrawal for \(dispute.charge)",
            reportingCategory: "dispute")
    }

    /// A won dispute gives the disputed amount back at once.
    static func forDisputeReversal(_ dispute: DisputeRecord, now: Int64) -> BalanceTransactionRecord {
        BalanceTransactionRecord(
            id: ObjectID.make("txn"), type: "adjustment", source: dispute.id, amount: dispute.amount, fee: 0, net: dispute.amount,
            currency: dispute.currency, created: now, availableOn: now, description: "Chargeback reversal for \(dispute.charge)",
            reportingCategory: "dispute_reversal")
    }
}
