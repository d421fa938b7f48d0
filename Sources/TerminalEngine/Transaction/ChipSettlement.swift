import CardReaders
import EMV
import PaymentCore

/// The decisions at the two ends of a chip transaction's online step, as pure functions: what the kernel is told
/// of the gateway's answer, and what the transaction's result is once the kernel has finished — with the reversal
/// the terminal owes when the gateway approved a payment that did not complete.
public enum ChipSettlement {
    /// The kernel's view of the gateway's answer: the issuer's ARC (8A) and authentication data (91), or no host.
    public static func onlineResponse(for answer: GatewayAnswer) -> OnlineResponse {
        let arc = answer.issuerResponse.first { $0.tag == .authorisationResponseCode }.map { String(decoding: $0.value, as: UTF8.self) }
        let issuerData = answer.issuerResponse.first { $0.tag == .issuerAuthenticationData }?.value
        switch answer.result {
        case .approved:
            return .received(authorisationResponseCode: arc ?? "00", issuerAuthenticationData: issuerData)
        case .declined(let code, _, _):
            return .received(authorisationResponseCode: arc ?? code.isoResponseCode, issuerAuthenticationData: issuerData)
        case .failed, .approvedOffline:
            return .unableToGoOnline
        }
    }

    /// How a chip transaction ended.
    public struct Settlement: Sendable, Equatable {
        public var result: AuthorizationResult
        /// The card as read (nil when the dialogue ended before the card's number was read).
        public var card: CardSummary?
        public var emv: EMVReceiptData
        /// The reversal to queue, if any: the approved intent to undo, or (answer lost) none known yet.
        public var reversal: (paymentIntent: String?, reason: String)?

        public static func == (a: Settlement, b: Settlement) -> Bool {
            a.result == b.result && a.card == b.card && a.emv == b.emv
                && a.reversal?.paymentIntent == b.reversal?.paymentIntent && a.reversal?.reason == b.reversal?.reason
        }
    }

    /// The result from the kernel's outcome and the gateway's answer (nil when none came, or the kernel never went
    /// online); a gateway approval the card or the terminal did not complete is reversed, a lost answer is asked about.
    public static func settle(_ outcome: KernelOutcome, answer: GatewayAnswer?, entryMode: EntryMode) -> Settlement {
        let card = outcome.pan.map { CardSummary(pan: $0, entryMode: entryMode, aid: outcome.applicationIdentifier) }
        let emv = EMVReceiptData(applicationLabel: outcome.applicationLabel, aid: outcome.applicationIdentifier.map(HexCoding.encode),
                                 tvr: outcome.tvr.hex, tsi: outcome.tsi.hex, arc: outcome.authorisationResponseCode,
                                 cryptogram: outcome.applicationCryptogram.map(HexCoding.encode), verification: outcome.cardholderVerification)
        var approvedID: String?
        if case .approved(let id, _)? = answer?.result { approvedID = id }
        let gatewayFailure: GatewayFailure? = if case .failed(let f)? = answer?.result { f } else { nil }
        let result: AuthorizationResult
        switch outcome.decision {
        case .approvedOnline:
            result = answer?.result ?? .failed(.rejected("approved without a gateway answer"))
        case .declinedOnline:
            if let answer, case .declined = answer.result { result = answer.result } else {
                let code = outcome.authorisationResponseCode.flatMap(DeclineCode.from(isoResponseCode:)) ?? .genericDecline
                result = .declined(code, message: code.message, paymentIntentID: nil)
            }
        case .approvedOffline, .approvedUnableToGoOnline:
            // Offline approvals need the store-and-forward queue, which this terminal does not have yet: no sale.
            result = .failed(gatewayFailure ?? .unreachable("the card approved offline; offline payments are not kept yet"))
        case .declinedOffline:
            // The card's own refusal; the TVR tells the usual reasons apart.
            let code: DeclineCode = outcome.tvr.contains(.expiredApplication) ? .expiredCard
                : outcome.tvr.contains(.pinTryLimitExceeded) ? .pinTryExceeded
                : outcome.tvr.contains(.serviceNotAllowed) ? .transactionNotAllowed : .genericDecline
            result = .declined(code, message: "The card declined the payment: \(code.message)", paymentIntentID: nil)
        case .declinedUnableToGoOnline:
            result = .failed(gatewayFailure ?? .unreachable("no answer from the gateway"))
        case .declinedByCardAfterOnlineApproval:
            result = .declined(.genericDecline, message: "The card refused the issuer's approval; the payment is reversed.", paymentIntentID: approvedID)
        case .terminated(let reason):
            switch reason {
            case .cancelled: result = .failed(.cancelled)
            default: result = .failed(.cardProblem(reason.description))
            }
        }
        var reversal: (String?, String)?
        if let approvedID, !result.isApproved {
            reversal = (approvedID, "\(outcome.decision)")
        } else if answer?.outcomeKnown == false {
            reversal = (nil, "answer lost")
        }
        return Settlement(result: result, card: card, emv: emv, reversal: reversal)
    }
}
