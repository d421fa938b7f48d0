import PaymentCore

extension CardProfile {
    /// The payment application (AID and label) of each brand, as terminals list them.
    public static func application(for brand: CardBrand) -> Application {
        func aid(_ hex: String) -> [UInt8] { HexCoding.decode(hex) ?? [] }
        switch brand {
        case .visa: return Application(aid: aid("A0000000031010"), label: "VISA", priority: 1)
        case .mastercard: return Application(aid: aid("A0000000041010"), label: "MASTERCARD", priority: 1)
        case .maestro: return Application(aid: aid("A0000000043060"), label: "MAESTRO", priority: 1)
        case .amex: return Application(aid: aid("A00000002501"), label: "AMERICAN EXPRESS", priority: 1)
        case .discover, .diners: return Application(aid: aid("A0000001523010"), label: "DISCOVER", priority: 1)
        case .jcb: return Application(aid: aid("A0000000651010"), label: "JCB", priority: 1)
        case .unionpay: return Application(aid: aid("A000000333010101"), label: "UNIONPAY", priority: 1)
        case .unknown: return Application(aid: aid("A0000000031010"), label: "CARD", priority: 1)
        }
    }

    /// The chip a simulated card with this number carries: its bundled profile when there is one (the PIN cards,
    /// the phone wallet, the blocked and expired cards …), else a generic card of its brand — online PIN when the
    /// terminal can take one, else signature, else no CVM; it always asks to go online. Every card has the test
    /// PIN 1234 and keys derived from `TestIssuer`'s test master key.
    ///
    /// A bundled profile that declines every GENERATE AC by itself (`declines_offline`, a kernel test fixture) is
    /// not used: a catalog card with an issuer decline goes online, so the issuer can say why.
    public static func virtualCard(for pan: PAN, name: String, expiry: Expiry) -> CardProfile {
        if let bundled = standard.first(where: { $0.pan == pan }), !bundled.riskManagement.alwaysDeclines { return bundled }
        let mastercardLike = pan.brand == .mastercard || pan.brand == .maestro
        return CardProfile(
            name: name,
            summary: "generic \(pan.brand.displayName) chip card",
            scheme: mastercardLike ? .mastercard : .visa,
            pan: pan,
            psn: 0,
            expiry: expiry,
            // Service code 201: international, integrated circuit, normal authorisation, no restrictions.
            serviceCode: (try? ServiceCode("201"))!,
            applications: [application(for: pan.brand)],
            pin: try? PINEntry("1234"),
            cvmList: CVMList(rules: [
                CVMRule(method: .onlinePIN, condition: .terminalSupportsCVM, applySucceedingRuleIfUnsuccessful: true),
                CVMRule(method: .signature, condition: .terminalSupportsCVM, applySucceedingRuleIfUnsuccessful: true),
                CVMRule(method: .noCVMRequired, condition: .always, applySucceedingRuleIfUnsuccessful: false),
            ]),
            issuerActionCodes: ActionCodes(denial: [], online: [], default: []),
            initialATC: 1
        )
    }
}
