import Foundation
import TerminalEngine

/// The engine's notices in the screen's language. The engine speaks English (scripts, logs and the control socket
/// read its words as they are); the notice row of a French screen shows them in French. A notice this table does not
/// know stays English rather than being half translated.
enum NoticeWording {
    static func text(_ notice: String, _ language: FirmwareProfile.Language) -> String {
        guard language == .fr else { return notice }
        if let fixed = fixed[notice] { return fixed }
        for (pattern, french) in patterns {
            guard let match = try? pattern.wholeMatch(in: notice) else { continue }
            var text = french
            for i in (1..<match.output.count).reversed() {
                text = text.replacingOccurrences(of: "$\(i)", with: match.output[i].substring.map(String.init) ?? "")
            }
            return text
        }
        return notice
    }

    /// The notices that carry nothing of the moment.
    static let fixed: [String: String] = [
        "A PIN has 4 to 12 digits": "Le code a de 4 à 12 chiffres",
        "A PIN has at most 12 digits": "Le code a au plus 12 chiffres",
        "A STAN has at most 6 digits": "Un numéro de transaction a au plus 6 chiffres",
        "A card is being processed: the cart shows after the sale": "Carte en cours : le panier s'affichera après la vente",
        "Cancelled by the point of sale": "Annulé par la caisse",
        "Cancelling…": "Annulation…",
        "Card removed": "Carte retirée",
        "Chip card swiped after a failed chip read: magnetic stripe fallback": "Carte à puce passée en piste après un échec de la puce",
        "Chip card: insert it (use chip)": "Carte à puce : insérez-la",
        "Chip read failed: swipe the card": "Lecture de la puce impossible : passez la carte en piste",
        "Clear the amount first (Esc), then open the menu": "Effacez d'abord le montant (Échap), puis ouvrez le menu",
        "Enter an amount first": "Saisissez d'abord un montant",
        "Enter the amount first, then present the card": "Saisissez d'abord le montant, puis présentez la carte",
        "No customer receipt": "Pas de ticket client",
        "No customer receipt (no answer)": "Pas de ticket client (sans réponse)",
        "No receipt question is on screen": "Aucune question de ticket à l'écran",
        "No receipt to reprint yet": "Aucun ticket à réimprimer",
        "Over the contactless limit: insert the card": "Au-delà du plafond sans contact : insérez la carte",
        "PIN entry timed out": "Délai de saisie du code dépassé",
        "Please wait: a card is being processed": "Patientez : carte en cours",
        "Please wait: authorizing": "Patientez : autorisation en cours",
        "Please wait: reading the card": "Patientez : lecture de la carte",
        "Please wait: the gateway is answering": "Patientez : le serveur répond",
        "Sale cancelled": "Vente annulée",
        "The amount must be above zero": "Le montant doit être supérieur à zéro",
        "The final amount must be above zero": "Le montant final doit être supérieur à zéro",
        "The terminal is busy: finish or cancel the current transaction first": "Terminal occupé : terminez ou annulez la transaction en cours",
        "This terminal does not send e-mail receipts": "Ce terminal n'envoie pas de ticket par e-mail",
        "This terminal has no printer: choose the e-mail or no receipt": "Ce terminal n'a pas d'imprimante : e-mail ou pas de ticket",
        "This terminal refunds earlier transactions only: give the STAN (--of)": "Ce terminal ne rembourse qu'une transaction existante : donnez son numéro",
        "Type the PIN with 0-9, then Enter": "Saisissez le code avec 0-9, puis Valider",
        "Type the STAN of the pre-authorization": "Saisissez le numéro de la pré-autorisation",
        "Type the STAN of the transaction to refund": "Saisissez le numéro de la transaction à rembourser",
        "Type the STAN of the transaction to void": "Saisissez le numéro de la transaction à annuler",
        "Type the STAN with 0-9, then Enter": "Saisissez le numéro avec 0-9, puis Valider",
        "Type the e-mail address, then Enter (Esc: back)": "Saisissez l'adresse e-mail, puis Valider (Échap : retour)",
        "Type the tip, then Enter (Enter alone: no tip)": "Saisissez le pourboire, puis Valider (seul : sans pourboire)",
        "Printer out of paper: the receipt prints when paper is back": "Plus de papier : le ticket s'imprimera au retour du papier",
        "Printer cover open: the receipt prints when it is closed": "Capot ouvert : le ticket s'imprimera à sa fermeture",
        "Printer ready: the held receipt printed": "Imprimante prête : le ticket en attente est imprimé",
        "Refund cancelled": "Crédit annulé", "Pre-Authorization cancelled": "Pré-autorisation annulée",
    ]

    /// The notices with something of the moment in them (an amount, a STAN, a count), as patterns and their French
    /// with `$1`, `$2` for what was caught.
    nonisolated(unsafe) static let patterns: [(Regex<AnyRegexOutput>, String)] = [
        ("Maximum amount is (.+)", "Montant maximum : $1"),
        ("The amount is over this terminal's maximum of (.+)", "Montant au-delà du maximum du terminal ($1)"),
        ("Choose 1-([0-9]+), or Esc", "Choisissez 1-$1, ou Échap"),
        ("Choose a tip with 1-([0-9]+), or 0 for none", "Choisissez un pourboire 1-$1, ou 0 pour aucun"),
        ("Choose the application with 1-([0-9]+) \\(Enter: the first\\)", "Choisissez l'application 1-$1 (Valider : la première)"),
        ("Customer receipt: choose 1-([0-9]+) \\(Esc: none\\)", "Ticket client : choisissez 1-$1 (Échap : aucun)"),
        ("Key '(.)' is not used here: type the amount with 0-9", "Touche « $1 » sans effet ici : saisissez le montant avec 0-9"),
        ("'(.+)' is not an e-mail address", "« $1 » n'est pas une adresse e-mail"),
        ("Receipt sent to (.+)", "Ticket envoyé à $1"),
        ("Tip (.+) added", "Pourboire de $1 ajouté"),
        ("No application '(.+)' on this card: choose on the terminal", "Pas d'application « $1 » sur cette carte : choisissez sur le terminal"),
        ("This terminal does not accept (.+) cards", "Ce terminal n'accepte pas ce mode de lecture ($1)"),
        ("This terminal takes ([A-Z]{3}), not ([A-Z]{3})", "Ce terminal encaisse en $1, pas en $2"),
        ("No transaction with STAN ([0-9]+) in the open batch", "Aucune transaction $1 dans le lot ouvert"),
        ("STAN ([0-9]+) belongs to a closed batch: refund it instead", "La transaction $1 est dans un lot clos : faites un crédit"),
        ("STAN ([0-9]+) is already refunded in full", "La transaction $1 est déjà entièrement remboursée"),
        ("STAN ([0-9]+) has nothing to refund", "La transaction $1 n'a rien à rembourser"),
        ("STAN ([0-9]+) is not a pre-authorization", "La transaction $1 n'est pas une pré-autorisation"),
        ("Offline payment ([0-9]+) declined by the bank: (.+)", "Paiement hors ligne $1 refusé par la banque : $2"),
        ("Printer ready: ([0-9]+) held receipts printed", "Imprimante prête : $1 tickets en attente imprimés"),
        ("Battery low \\((.+)\\): charge the terminal soon", "Batterie faible ($1) : rechargez bientôt le terminal"),
        ("Battery (.+): charge the terminal before a new transaction", "Batterie $1 : rechargez le terminal avant une nouvelle transaction"),
        ("Battery (.+): charge the terminal", "Batterie $1 : rechargez le terminal"),
        ("Reader: (.+)", "Lecteur : $1"),
        ("Terminal storage failed: (.+)", "Échec de l'enregistrement du terminal : $1"),
    ].map { (try! Regex($0.0), $0.1) }
}
