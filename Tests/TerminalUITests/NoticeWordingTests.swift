import Testing
@testable import TerminalEngine
@testable import TerminalUI

/// The engine's notices on a French screen: fixed ones, ones with an amount or a STAN, and unknown ones left English.
@Suite struct NoticeWordingTests {
    @Test(arguments: [
        ("PIN entry timed out", "Délai de saisie du code dépassé"),
        ("Sale cancelled", "Vente annulée"),
        ("Maximum amount is EUR 9999.99", "Montant maximum : EUR 9999.99"),
        ("Customer receipt: choose 1-3 (Esc: none)", "Ticket client : choisissez 1-3 (Échap : aucun)"),
        ("'client.example.fr' is not an e-mail address", "« client.example.fr » n'est pas une adresse e-mail"),
        ("STAN 000041 belongs to a closed batch: refund it instead", "La transaction 000041 est dans un lot clos : faites un crédit"),
        ("This terminal takes EUR, not GBP", "Ce terminal encaisse en EUR, pas en GBP"),
        ("Battery low (18 %): charge the terminal soon", "Batterie faible (18 %) : rechargez bientôt le terminal"),
        ("Printer out of paper: the receipt prints when paper is back", "Plus de papier : le ticket s'imprimera au retour du papier"),
        ("Something new the table does not know", "Something new the table does not know"),
    ])
    func french(_ english: String, _ french: String) {
        #expect(NoticeWording.text(english, .fr) == french)
        #expect(NoticeWording.text(english, .en) == english)
    }

    /// Every fixed notice of the table is one the engine says (a typo in a key would never match).
    @Test func theFixedNoticesAreTheEnginesOwn() {
        #expect(NoticeWording.fixed["Printer cover open: the receipt prints when it is closed"] != nil)
        #expect(NoticeWording.fixed[PrinterState.coverOpen.notice!] != nil && NoticeWording.fixed[PrinterState.outOfPaper.notice!] != nil)
    }
}
