import Foundation
import PaymentCore

/// The card a confirm carries, parsed from `payment_method`, `payment_method_data[card]` or (card-present, our
/// extension) `payment_method_data[card_present]` with DUKPT-enciphered track 2 (see `SealedCardPresent`).
struct CardInput: Sendable {
    var pan: PAN
    var expiry: Expiry
    var readMethod: String?
    var existingMethodID: String?
    /// The card's EMV data (chip and contactless reads).
    var chip: ChipData? = nil
    /// The online PIN, when the cardholder entered one.
    var pin: EnteredPIN? = nil
    /// When the terminal stored this payment it approved offline (Unix seconds).
    var offlineStoredAt: Int64? = nil

    var isCardPresent: Bool { readMethod != nil }
}

/// Where the card comes from: details in this request, or a stored payment method.
enum CardSource: Sendable {
    case input(CardInput)
    case stored(String)
    /// Card-present data still enciphered: opened with the location's keys.
    case cardPresent(SealedCardPresent)
}

/// A card ready for the issuer, with its payment method (new, or read from the store).
struct ResolvedCard {
    var input: CardInput
    var method: PaymentMethodRecord
    var isNew: Bool
}

extension PaymentIntents {
    /// The card of `source`: a new payment method for card details, the stored one (opened from the vault) for a
    /// payment method id.
    func resolve(_ source: CardSource, customer: String?, now: Date) async throws -> ResolvedCard {
        switch source {
        case .stored(let id):
            return try await storedCard(id, customer: customer)
        case .input(let card):
            let method = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, readMethod: card.readMethod, vault: vault, now: now)
            return ResolvedCard(input: card, method: method, isNew: true)
        case .cardPresent(let sealed):
            let card = try await sealed.open(keys: TerminalKeys(store: store, vault: vault))
            let method = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, readMethod: card.readMethod, vault: vault, now: now)
            return ResolvedCard(input: card, method: method, isNew: true)
        }
    }

    /// A stored payment method, its number opened from the vault. A method attached to a customer pays only for
    /// that customer.
    func storedCard(_ id: String, customer: String?) async throws -> ResolvedCard {
        guard let record = try await store.find(PaymentMethodRecord.self, id: id), let sealed = record.encryptedPan else {
            throw IntentRefusal.missing(object: "PaymentMethod", id: id, param: "payment_method")
        }
        guard record.type != "sepa_debit" else {
            throw IntentRefusal.invalidParameter(
                message: "The PaymentMethod \(id) is a sepa_debit bank account: it can be saved and attached, but payments with it are not available yet (docs/api.md, \"SEPA Direct Debit\").",
                param: "payment_method")
        }
        if let owner = record.customer, owner != customer {
            throw IntentRefusal.paymentMethodOfAnotherCustomer(methodID: id, owner: owner)
        }
        let pan = try vault.open(sealed)
        let expiry = try Expiry(month: Int(record.expMonth), year: Int(record.expYear))
        return ResolvedCard(input: CardInput(pan: pan, expiry: expiry, readMethod: record.readMethod, existingMethodID: record.id),
                            method: record, isNew: false)
    }
}
