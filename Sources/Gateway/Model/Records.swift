import Foundation
import PaymentCore

/// A payment intent as stored: flat columns, money as integers in minor units.
public struct PaymentIntentRecord: Sendable, Codable, Equatable {
    public var id: String
    public var amount: Int64
    public var currency: String
    public var status: String
    public var captureMethod: String
    public var confirmationMethod: String
    public var clientSecret: String
    public var created: Int64
    public var description: String?
    public var customer: String?
    public var paymentMethod: String?
    public var paymentMethodTypes: String
    public var metadata: String
    public var latestCharge: String?
    public var lastPaymentError: String?
    public var amountCapturable: Int64
    public var amountReceived: Int64
    public var canceledAt: Int64?
    public var cancellationReason: String?
    public var statementDescriptor: String?
    public var receiptEmail: String?
}

/// A charge as stored; `paymentMethodDetails` and `outcome` are JSON documents.
public struct ChargeRecord: Sendable, Codable, Equatable {
    public var id: String
    public var paymentIntent: String?
    public var amount: Int64
    public var amountCaptured: Int64
    public var amountRefunded: Int64
    public var currency: String
    public var status: String
    public var paid: Bool
    public var captured: Bool
    public var failureCode: String?
    public var failureMessage: String?
    public var outcome: String
    public var paymentMethod: String?
    public var paymentMethodDetails: String
    public var authorizationCode: String?
    public var created: Int64
    public var description: String?
    public var metadata: String
}

/// A customer as stored; deletion keeps the row (Stripe still answers `deleted: true` for the id).
public struct CustomerRecord: Sendable, Codable, Equatable {
    public var id: String
    public var email: String?
    public var name: String?
    public var description: String?
    public var phone: String?
    public var metadata: String
    public var defaultPaymentMethod: String?
    public var invoicePrefix: String
    public var created: Int64
    public var deleted: Bool
}

/// A payment method as stored: brand, last four digits and expiry, never the full number or a CVC.
public struct PaymentMethodRecord: Sendable, Codable, Equatable {
    public var id: String
    public var type: String
    public var brand: String
    public var last4: String
    public var expMonth: Int64
    public var expYear: Int64
    public var funding: String
    public var readMethod: String?
    public var customer: String?
    public var created: Int64
    public var metadata: String
    /// HMAC of the card number under the vault key (the same card gives the same fingerprint).
    public var fingerprint: String?
    /// The card number sealed with AES-GCM under the vault key; never a clear PAN, never a CVC.
    public var encryptedPan: String?
}

/// Prefixed random object ids (`pi_…`, `ch_…`), 24 characters after the prefix like Stripe's.
public enum ObjectID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public static func make(_ prefix: String, length: Int = 24) -> String {
        var rng = SystemRandomNumberGenerator()
        return prefix + "_" + String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
    }
}

extension Dictionary where Key == String, Value == String {
    /// Metadata as stored: a JSON object with sorted keys.
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    init(jsonText: String) {
        self = (try? JSONDecoder().decode([String: String].self, from: Data(jsonText.utf8))) ?? [:]
    }
}
