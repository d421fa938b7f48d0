import TerminalEngine

/// The device screen's words in the profile's language. French follows the usual terminal wording (upper case on
/// small screens; "code", never "NIP"; French terminals seldom say why a payment was refused).
enum Wording {
    static func text(_ english: String, _ language: FirmwareProfile.Language) -> String {
        language == .fr ? (french[english] ?? english) : english
    }

    static let french: [String: String] = [
        "SALE": "DEBIT", "PRE-AUTH": "PRE-AUTORISATION", "COMPLETION": "CLOTURE PRE-AUTO", "VOID": "ANNULATION",
        "REFUND": "CREDIT", "REPRINT": "DUPLICATA", "MENU": "MENU",
        "AMOUNT": "MONTANT", " AMOUNT": " MONTANT", " Type the amount,": " Saisir le montant,", " then press Enter (OK)": " puis Valider",
        "PRESENT CARD": "PRESENTER CARTE", "TAP": "SANS CONTACT", "INSERT": "INSERER", "SWIPE": "PISTE",
        " Esc: cancel": " Annuler: Esc", " Esc: back": " Retour: Esc", " Enter: OK": " Valider: Enter",
        "CARD INSERTED": "CARTE INSEREE", "CARD READ": "CARTE LUE", "PROCESSING": "TRAITEMENT EN COURS",
        "DO NOT REMOVE CARD": "NE PAS RETIRER LA CARTE", "PLEASE WAIT": "PATIENTEZ",
        "CHOOSE APPLICATION": "CHOISIR CARTE", "ENTER PIN": "SAISIR CODE", "LAST PIN TRY": "DERNIER ESSAI",
        "APPROVED": "PAIEMENT ACCEPTE", "APPROVED OFFLINE": "ACCEPTE HORS LIGNE", "SENT WHEN ONLINE": "TRANSMIS PLUS TARD",
        "DECLINED": "PAIEMENT REFUSE", "NOT COMPLETED": "ABANDON",
        "NO FUNDS DEBITED": "AUCUN DEBIT", "AUTH CODE": "NO AUTO", " Enter: new sale": " Nouvelle vente: Enter",
        "ADD A TIP?": "POURBOIRE ?", " 0  no tip": " 0  sans pourboire", " TIP": " POURBOIRE", " Enter: OK (none: Enter)": " Valider: Enter",
        " STAN": " NO TRANSACTION", " Enter alone: last receipt": " Enter seul: dernier ticket",
        " Enter alone: no original": " Enter seul: sans origine", " STAN of the original": " Transaction d'origine",
        " BATCH REPORT (X)": " TOTAUX (X)", " END OF DAY (Z)": " TELECOLLECTE (Z)", "NO TRANSACTIONS": "AUCUNE TRANSACTION",
        " YOUR CART": " VOTRE PANIER",
        "Sale": "Debit", "Pre-authorization": "Pre-autorisation", "Completion": "Cloture pre-auto", "Void": "Annulation",
        "Refund": "Credit", "Reprint": "Duplicata", "Batch report (X)": "Totaux (X)", "End of day (Z)": "Telecollecte (Z)",
    ]
}
