import Foundation
import CaisseAP
import CardReaders
import PaymentCore

/// What a till's Caisse-AP request becomes on the terminal, and the answer its end makes — pure; the listener
/// (`vtpe terminal --ecr caisse-ap`) reads the request, runs the operation on the engine and writes the answer.
public enum CaisseAPTransaction {
    /// How the transaction the till asked for ended.
    public enum Ending: Sendable, Equatable {
        case finished(TransactionResult)
        /// Cancel on the terminal before a result.
        case operatorAbandon
        /// Nobody presented a card in time.
        case inputTimeout
        /// The terminal would not start it (a transaction running, a type the profile lacks …).
        case refused(String)
    }

    /// A debit is a sale, a credit a refund to the card presented; in the terminal's currency only.
    public static func operation(for request: CaisseAPRequest, currency: Currency) throws(CaisseAPRefusal) -> TerminalOperation {
        guard let asked = request.currency else {
            throw CaisseAPRefusal(.currencyNotSupported, "CE \(request.currencyNumber) is not an ISO 4217 currency vtpe knows")
        }
        guard asked == currency else {
            throw CaisseAPRefusal(.currencyNotSupported, "this terminal takes \(currency.code) (\(currency.numericCode)), not \(asked.code)")
        }
        let amount = Money(minorUnits: request.amount, currency: currency)
        switch request.operation {
        case .debit: return .sale(amount: amount, tip: nil)
        case .credit: return .refund(amount: amount, of: nil)
        }
    }

    /// The answer to `request`: done with the card's details, or not done and why.
    public static func answer(to request: CaisseAPRequest, _ ending: Ending) -> CaisseAPAnswer {
        switch ending {
        case .operatorAbandon: return CaisseAPAnswer(echoing: request.message, status: .notDone, failure: .operatorAbandon)
        case .inputTimeout: return CaisseAPAnswer(echoing: request.message, status: .notDone, failure: .inputTimeout)
        case .refused: return CaisseAPAnswer(echoing: request.message, status: .notDone, failure: .forbidden)
        case .finished(let result):
            switch result.outcome {
            case .approved(_, let code):
                return CaisseAPAnswer(echoing: request.message, status: .done, card: card(result, authorization: code))
            case .approvedOffline(let code):
                return CaisseAPAnswer(echoing: request.message, status: .done, card: card(result, authorization: code))
            case .declined:
                return CaisseAPAnswer(echoing: request.message, status: .notDone, failure: .refused)
            case .failed:
                // Not decided by the card's issuer (the gateway unreachable, the card removed …): not done.
                return CaisseAPAnswer(echoing: request.message, status: .notDone, failure: .notCompleted)
            }
        }
    }

    /// `AC`, `AA`, `AB`, `AI`, `CC`, `CI` of a card read in this session.
    static func card(_ result: TransactionResult, authorization: String?) -> CaisseAPAnswer.Card {
        let card = result.card
        let masked = (card.maskedPAN ?? "############" + card.last4).replacingOccurrences(of: "*", with: "#")
        return CaisseAPAnswer.Card(authorization: authorization.flatMap { $0.isEmpty ? nil : $0 } ?? "000000", maskedPAN: masked,
                                   expiry: card.expiry ?? "", aid: card.aid ?? "", applicationCode: applicationCode(card),
                                   readMode: readMode(card.entryMode))
    }

    /// `CC`: the card application code. Amex has its own; every other card is reported as CB (most French cards are
    /// CB co-badged, and the tills we know only tell CB from Amex).
    static func applicationCode(_ card: CardSummary) -> String {
        let contactless = card.entryMode == .contactless
        if card.brand == .amex { return contactless ? "00D" : "002" }
        return contactless ? "00B" : "001"
    }

    static func readMode(_ mode: EntryMode) -> CaisseAPAnswer.ReadMode {
        switch mode {
        case .contact: .contact
        case .contactless: .contactless
        case .magstripe: .magneticStripe
        }
    }
}
