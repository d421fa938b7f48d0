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

/// Where the payment method comes from: card or bank details in this request, or a stored payment method.
enum CardSource: Sendable {
    case input(CardInput)
    case stored(String)
    /// Card-present data still enciphered: opened with the location's keys.
    case cardPresent(SealedCardPresent)
    /// A SEPA bank account (`payment_method_data[type]=sepa_debit`) and its holder.
    case sepaDebit(iban: IBAN, name: String, email: String)
    /// The customer's cash balance, funded by bank transfer (`payment_method_data[type]=customer_balance`).
    case customerBalance
}

/// A card ready for the issuer, with its payment method (new, or read from the store).
struct ResolvedCard {
    var input: CardInput
    var method: PaymentMethodRecord
    var isNew: Bool
}

/// A SEPA bank account ready for its bank, with its payment method (new, or read from the store).
struct ResolvedBankAccount {
    var iban: IBAN
    var method: PaymentMethodRecord
    var isNew: Bool
}

/// The payment method a request pays with, ready: a card for the issuer, or a bank account for a SEPA debit.
enum ResolvedMethod {
    case card(ResolvedCard)
    case bankAccount(ResolvedBankAccount)
    /// Paid by bank transfer into the customer's cash balance.
    case customerBalance(PaymentMethodRecord, isNew: Bool)

    var method: PaymentMethodRecord {
        switch self {
        case .card(let c): c.method
        case .bankAccount(let b): b.method
        case .customerBalance(let m, _): m
        }
    }

    var isNew: Bool {
        switch self {
        case .card(let c): c.isNew
        case .bankAccount(let b): b.isNew
        case .customerBalance(_, let isNew): isNew
        }
    }

    var isCardPresent: Bool {
        if case .card(let c) = self { c.input.isCardPresent } else { false }
    }

    /// The card, for the requests only a card can take (SetupIntents, 3-D Secure).
    func card(for purpose: String) throws(IntentRefusal) -> ResolvedCard {
        guard case .card(let card) = self else {
            throw .invalidParameter(message: "The PaymentMethod \(method.id) is of type \(method.type); \(purpose) takes cards only.",
                                    param: "payment_method")
        }
        return card
    }
}

extension PaymentIntents {
    /// The method of `source`: a new payment method for card or bank details, the stored one (opened from the
    /// vault) for a payment method id.
    func resolve(_ source: CardSource, customer: String?, now: Date) async throws -> ResolvedMethod {
        switch source {
        case .stored(let id):
            return try await stored(id, customer: customer)
        case .input(let card):
            let method = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, readMethod: card.readMethod, vault: vault, catalog: catalog, now: now)
            return .card(ResolvedCard(input: card, method: method, isNew: true))
        case .cardPresent(let sealed):
            let card = try await sealed.open(keys: TerminalKeys(store: store, vault: vault))
            let method = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, readMethod: card.readMethod, vault: vault, catalog: catalog, now: now)
            return .card(ResolvedCard(input: card, method: method, isNew: true))
        case .sepaDebit(let iban, let name, let email):
            let method = try SEPADebit.paymentMethod(iban: iban, name: name, email: email, vault: vault, now: now)
            return .bankAccount(ResolvedBankAccount(iban: iban, method: method, isNew: true))
        case .customerBalance:
            return .customerBalance(PaymentMethodRecord.customerBalance(customer: customer, now: now), isNew: true)
        }
    }

    /// A stored payment method, its card number or IBAN opened from the vault. A method attached to a customer pays
    /// only for that customer.
    func stored(_ id: String, customer: String?) async throws -> ResolvedMethod {
        guard let record = try await store.find(PaymentMethodRecord.self, id: id) else {
            throw IntentRefusal.missing(object: "PaymentMethod", id: id, param: "payment_method")
        }
        if let owner = record.customer, owner != customer {
            throw IntentRefusal.paymentMethodOfAnotherCustomer(methodID: id, owner: owner)
        }
        if record.type == "customer_balance" { return .customerBalance(record, isNew: false) }
        guard let sealed = record.encryptedPan else { throw IntentRefusal.missing(object: "PaymentMethod", id: id, param: "payment_method") }
        if record.type == "sepa_debit" {
            return .bankAccount(ResolvedBankAccount(iban: try vault.openIBAN(sealed), method: record, isNew: false))
        }
        let pan = try vault.open(sealed)
        let expiry = try Expiry(month: Int(record.expMonth), year: Int(record.expYear))
        return .card(ResolvedCard(input: CardInput(pan: pan, expiry: expiry, readMethod: record.readMethod, existingMethodID: record.id),
                                  method: record, isNew: false))
    }
}
