/// A terminal's answer to its till: the request's fields echoed (`CZ`, `CJ`, `CA`, `CB`, `CD`, `CE` …), the status
/// (`AE`), and on success the card's details, on failure why (`AF`).
public struct CaisseAPAnswer: Sendable, Equatable {
    /// `AE`.
    public enum Status: String, Sendable, Equatable {
        case done = "10"
        case notDone = "01"
        /// The request was taken into account (`BA=1`, an answer before the transaction ends).
        case accepted = "11"
    }

    /// `AF`: why it was not done.
    public enum Failure: String, Sendable, Equatable, CaseIterable {
        case voiceReferral = "02"
        case refused = "04"
        case forbidden = "05"
        case abandon = "06"
        /// Not completed (non aboutie): the issuer's answer never came, the card was removed …
        case notCompleted = "07"
        case inputTimeout = "08"
        case formatError = "09"
        case operatorAbandon = "11"
        /// The action asked (`CD`) is not one the terminal knows.
        case unknownAction = "12"
        case currencyNotSupported = "13"

        /// The card's issuer or scheme said no (as against a transaction that did not happen: abandoned, timed out …).
        public var isRefusal: Bool { [.refused, .forbidden, .voiceReferral].contains(self) }

        /// In French, as the till shows it.
        public var text: String {
            switch self {
            case .voiceReferral: "appel phonie"
            case .refused: "refusé"
            case .forbidden: "interdit"
            case .abandon: "abandon"
            case .notCompleted: "non aboutie"
            case .inputTimeout: "délai de saisie dépassé"
            case .formatError: "erreur de format"
            case .operatorAbandon: "abandon opérateur"
            case .unknownAction: "type d'action inconnu"
            case .currencyNotSupported: "devise non supportée"
            }
        }
    }

    /// `CI`: how the card was read.
    public enum ReadMode: String, Sendable, Equatable {
        case contact = "1"
        case contactless = "2"
        case magneticStripe = "3"
    }

    /// The card's details of a transaction that was done.
    public struct Card: Sendable, Equatable {
        /// `AC`: the authorization number.
        public var authorization: String
        /// `AA`: the card number masked with `#` (first six and last four digits shown at most).
        public var maskedPAN: String
        /// `AB`: YYMM.
        public var expiry: String
        /// `AI`: the application chosen.
        public var aid: String
        /// `CC`: the card application code (`001` CB contact, `00B` CB contactless …).
        public var applicationCode: String
        /// `CI`.
        public var readMode: ReadMode

        public init(authorization: String, maskedPAN: String, expiry: String, aid: String, applicationCode: String, readMode: ReadMode) {
            self.authorization = authorization
            self.maskedPAN = maskedPAN
            self.expiry = expiry
            self.aid = aid
            self.applicationCode = applicationCode
            self.readMode = readMode
        }
    }

    public var status: Status
    public var failure: Failure?
    public var card: Card?
    /// Every field, the echoed ones included.
    public var message: CaisseAPMessage

    /// The answer to `request` (or to an unreadable one, `echo` being what could be read of it).
    public init(echoing request: CaisseAPMessage, status: Status, failure: Failure? = nil, card: Card? = nil) {
        self.status = status
        self.failure = failure
        self.card = card
        var message = CaisseAPMessage(request.fields.filter { ["CZ", "CJ", "CA", "CB", "CD", "CE", "BA"].contains($0.tag) })
        if message["CZ"] == nil { message["CZ"] = CaisseAPRequest.version3 }
        message["AE"] = status.rawValue
        if let failure { message["AF"] = failure.rawValue }
        if let card {
            // A detail the terminal does not know (a swipe has no AID) is left out rather than sent empty.
            for (tag, value) in [("AC", card.authorization), ("AA", card.maskedPAN), ("AB", card.expiry), ("AI", card.aid), ("CC", card.applicationCode)]
            where !value.isEmpty {
                message[tag] = value
            }
            message["CI"] = card.readMode.rawValue
        }
        self.message = message
    }

    /// Reads a terminal's answer (the till side).
    public static func parse(_ message: CaisseAPMessage) throws(CaisseAPError) -> CaisseAPAnswer {
        guard let statusText = message["AE"] else { throw .missing("AE") }
        guard let status = Status(rawValue: statusText) else { throw .badValue(tag: "AE", reason: "is \(statusText), not 10, 01 or 11") }
        var answer = CaisseAPAnswer(echoing: CaisseAPMessage(), status: status)
        answer.message = message
        if let code = message["AF"] {
            answer.failure = Failure(rawValue: code)
            if answer.failure == nil, status == .notDone { answer.failure = .refused }
        }
        if status == .done, let authorization = message["AC"] {
            answer.card = Card(authorization: authorization, maskedPAN: message["AA"] ?? "", expiry: message["AB"] ?? "", aid: message["AI"] ?? "",
                               applicationCode: message["CC"] ?? "", readMode: message["CI"].flatMap(ReadMode.init(rawValue:)) ?? .contact)
        }
        return answer
    }

    /// `497010######0002`: a card number as Caisse-AP shows it, first six and last four digits at most.
    public static func mask(digits: String) -> String {
        let count = digits.count
        guard count > 10 else { return String(repeating: "#", count: max(0, count - 4)) + digits.suffix(4) }
        return digits.prefix(6) + String(repeating: "#", count: count - 10) + digits.suffix(4)
    }
}
