import PaymentCore

extension KernelOutcome {
    /// What a terminal forwards later for a payment it approved without the issuer (store-and-forward): the DE55 of
    /// the card's last cryptogram — the TC of an offline approval, or the ARQC of a tap the terminal approves by
    /// deferred authorization — with the card's track 2, amount and application. Nil when the dialogue did not get
    /// that far (no cryptogram, PAN, amount or application), or when the last cryptogram is an AAC.
    public func forwardingRequest(entryMode: CardInterface) -> OnlineRequest? {
        guard let cid = cryptogramInformationData, cid & 0xC0 == 0x40 || cid & 0xC0 == 0x80,
              let pan, let aid = applicationIdentifier ?? data[.dedicatedFileName],
              let amountBytes = data[.amountAuthorised], let minor = BCD.value(amountBytes),
              let currencyBytes = data[.transactionCurrencyCode], let numeric = BCD.value(currencyBytes),
              let currency = Currency.lookup(numeric: Int(numeric))
        else { return nil }
        let other = data[.amountOther].flatMap { BCD.value($0) }.flatMap { $0 > 0 ? Money(minorUnits: Int64($0), currency: currency) : nil }
        return OnlineRequest(
            tlv: EMVKernel.de55(data),
            pan: pan,
            track2: data[.track2Equivalent].flatMap { bytes in try? Track2(emvBytes: bytes) },
            panSequenceNumber: EMVKernel.panSequenceNumber(data),
            amount: Money(minorUnits: Int64(minor), currency: currency),
            otherAmount: other,
            entryMode: entryMode,
            onlinePIN: nil,
            applicationIdentifier: aid)
    }
}
