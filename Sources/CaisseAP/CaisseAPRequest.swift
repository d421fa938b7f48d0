import PaymentCore

/// What a till asks of its terminal: a debit (a sale) or a credit (a refund) of an amount in minor units, in a
/// currency given by its ISO 4217 number.
public struct CaisseAPRequest: Sendable, Equatable {
    public enum Operation: String, Sendable, Equatable {
        case debit = "0"
        case credit = "1"
    }

    /// `CZ`: the protocol version, `0300` for Caisse-AP 3.
    public var version: String
    /// `CJ`: the protocol identifier (Concert's), echoed back.
    public var protocolID: String
    /// `CA`: the till's number.
    public var till: String
    /// `CB`: minor units of `currency`.
    public var amount: Int64
    /// `CD`.
    public var operation: Operation
    /// `CE`: the ISO 4217 number (978 for the euro).
    public var currencyNumber: String
    /// `BA`: `1` asks for an answer at once ("taken into account") instead of at the end of the transaction.
    public var immediateAnswer: Bool
    /// `CC` in a request: the payment mode asked for (`00C`: a cheque).
    public var mode: String?
    /// Every field as received, so the answer can echo what the till sent.
    public var message: CaisseAPMessage

    public static let version3 = "0300"
    /// The identifier the tills we know send.
    public static let defaultProtocolID = "012345678901"
    /// The largest amount: twelve digits.
    public static let maxAmount: Int64 = 999_999_999_999

    public init(amount: Int64, operation: Operation, currency: Currency, till: String = "01", protocolID: String = defaultProtocolID) {
        version = Self.version3
        self.protocolID = protocolID
        self.till = till
        self.amount = amount
        self.operation = operation
        currencyNumber = String(currency.numericCode)
        while currencyNumber.count < 3 { currencyNumber = "0" + currencyNumber }
        immediateAnswer = false
        mode = nil
        var amountText = String(amount)
        if amountText.count < 2 { amountText = "0" + amountText }
        message = CaisseAPMessage([
            .init("CZ", version), .init("CJ", protocolID), .init("CA", till), .init("CE", currencyNumber), .init("BA", "0"),
            .init("CD", operation.rawValue), .init("CB", amountText),
        ])
    }

    /// The currency, when vtpe knows its number.
    public var currency: Currency? { Int(currencyNumber).flatMap(Currency.lookup(numeric:)) }

    /// Reads a till's request. A refusal carries the code the answer gives (`09` for a malformed request).
    public static func parse(_ message: CaisseAPMessage) throws(CaisseAPRefusal) -> CaisseAPRequest {
        func required(_ tag: String) throws(CaisseAPRefusal) -> String {
            guard let value = message[tag] else { throw CaisseAPRefusal(.formatError, "the field \(tag) is missing") }
            return value
        }
        let version = try required("CZ")
        guard version.count == 4, version.allSatisfy(\.isASCIIDigit), version.hasPrefix("03") else {
            throw CaisseAPRefusal(.formatError, "CZ \(version) is not a Caisse-AP 3 version (0300)")
        }
        let protocolID = try required("CJ")
        let till = try required("CA")
        guard (1...8).contains(till.count), till.allSatisfy(\.isASCIIDigit) else {
            throw CaisseAPRefusal(.formatError, "CA \(till) is not a till number (1 to 8 digits)")
        }
        let amountText = try required("CB")
        guard (1...12).contains(amountText.count), amountText.allSatisfy(\.isASCIIDigit), let amount = Int64(amountText) else {
            throw CaisseAPRefusal(.formatError, "CB \(amountText) is not an amount in minor units (1 to 12 digits)")
        }
        guard amount > 0 else { throw CaisseAPRefusal(.formatError, "CB is zero: nothing to pay") }
        guard let operation = Operation(rawValue: try required("CD")) else {
            throw CaisseAPRefusal(.unknownAction, "CD \(message["CD"] ?? "") is neither 0 (debit) nor 1 (credit)")
        }
        let currencyNumber = try required("CE")
        guard currencyNumber.count == 3, currencyNumber.allSatisfy(\.isASCIIDigit) else {
            throw CaisseAPRefusal(.formatError, "CE \(currencyNumber) is not an ISO 4217 currency number (three digits)")
        }
        let immediate: Bool
        switch message["BA"] {
        case nil, "0": immediate = false
        case "1": immediate = true
        case let other?: throw CaisseAPRefusal(.formatError, "BA \(other) is neither 0 nor 1")
        }
        var request = CaisseAPRequest(amount: amount, operation: operation, currency: .eur, till: till, protocolID: protocolID)
        request.version = version
        request.currencyNumber = currencyNumber
        request.immediateAnswer = immediate
        request.mode = message["CC"]
        request.message = message
        return request
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A request the terminal will not run, with the `AF` code its answer carries.
public struct CaisseAPRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: CaisseAPAnswer.Failure
    public var reason: String

    public init(_ code: CaisseAPAnswer.Failure, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue) \(code.text): \(reason)" }
}
