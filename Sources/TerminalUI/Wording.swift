import CardReaders
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
        "REMOVE CARD": "RETIRER LA CARTE", "CUSTOMER RECEIPT?": "TICKET CLIENT ?", "Print": "Imprimer", "E-mail": "E-mail",
        "No receipt": "Pas de ticket", "E-MAIL ADDRESS": "ADRESSE E-MAIL", " Enter: send": " Envoyer: Enter",
        " SETTINGS": " PARAMETRES", "Settings": "Parametres", " Profile": " Profil", " Terminal ID": " No terminal",
        " Gateway": " Serveur", " Reader": " Lecteur", " Language": " Langue", " Printer": " Imprimante",
        " Offline": " Hors ligne", "none": "aucune", "enabled": "active", "disabled": "inactif", " Any key: back": " Retour: une touche",
        "Sale": "Debit", "Pre-authorization": "Pre-autorisation", "Completion": "Cloture pre-auto", "Void": "Annulation",
        "Refund": "Credit", "Reprint": "Duplicata", "Batch report (X)": "Totaux (X)", "End of day (Z)": "Telecollecte (Z)",
        // The device's keys, status bar and results.
        "CANCEL": "ANNUL", "CLEAR": "CORR", "OK": "VALID", " Enter: ": " Valider: ", " BATCH ": " LOT ",
        "PAPER": "PAPIER", "READER": "LECTEUR", "COVER": "CAPOT", "UNAVAILABLE": "INDISPONIBLE", "PREAUTHORIZATION": "PRE-AUTO", "MATCH": "CONFORME",
        "MISMATCH": "ECART", "NO CONNECTION": "PAS DE CONNEXION", "TERMINAL NOT AUTHORIZED": "TERMINAL NON AUTORISE",
        "REQUEST REJECTED": "DEMANDE REJETEE", "NO RESPONSE": "PAS DE REPONSE", "CARD ERROR": "ERREUR CARTE", "CANCELLED": "ANNULE",
        "more": "de plus", "Tax": "TVA",
        // The emulator around the device (sentence case, accents allowed).
        "OUT OF PAPER": "PLUS DE PAPIER", "COVER OPEN": "CAPOT OUVERT", "held": "en attente", "(nothing printed yet)": "(rien d'imprimé)",
        "QA · SIMULATOR CARDS": "QA · CARTES DU SIMULATEUR", "mode": "mode", "change": "changer", "key card": "touche carte",
        "outcome": "résultat", "TEST AMOUNTS (any card)": "MONTANTS DE TEST (toute carte)", "Gateway": "Passerelle",
        "Reader": "Lecteur", "Tap": "Sans contact", "Battery": "Batterie", "sale": "vente", "Offline": "Hors ligne",
        "each": "chacun", "queue": "file", "test amount": "montant de test", "Window too small": "Fenêtre trop petite",
        "Need at least": "Il faut au moins", "the whole device": "tout le terminal", "q quits.": "q pour quitter.",
    ]

    /// The key help of the emulator's bottom bar, in French.
    static func help(_ english: String, phase: TransactionPhase, mode: EntryMode) -> String {
        switch phase {
        case .amountEntry: " 0-9 montant  Entrée valider  Échap corriger  f menu  m mode  q quitter"
        case .waitingForCard: " 1-9 présenter une carte  m mode de lecture  Échap annuler  q quitter"
        case .readingCard: " Lecture de la carte…  Échap annuler  q quitter"
        case .selectingApplication(_, _, _, let labels): " 1-\(labels.count) choisir l'application  Entrée la première  Échap annuler"
        case .pinEntry: " 0-9 code  Retour corriger  Entrée valider (vide : sans code)  Échap annuler"
        case .menu: " 1-9 choisir  Échap retour  q quitter"
        case .referenceEntry: " 0-9 numéro  Entrée valider  Échap retour  q quitter"
        case .tipEntry: " 0-9 pourboire  Entrée valider  Échap annuler  q quitter"
        case .processing: " Traitement…  q quitter"
        case .batchReport: " Entrée fermer  0-9 nouvelle vente  f menu  Tab panneau  q quitter"
        case .authorizing: " Autorisation…  q quitter"
        case .finished: " Entrée nouvelle vente  0-9 montant suivant  f menu  Tab panneau  q quitter"
        case .settings: " Une touche : retour  f menu  Tab panneau  q quitter"
        }
    }
}
