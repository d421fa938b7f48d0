/// The receipt printer's state (docs/devices.md). Receipts made while it cannot print are held and print when the
/// paper is back; a reprint works then too.
public enum PrinterState: String, Sendable, Equatable, Codable, CaseIterable {
    case ready
    case outOfPaper = "out_of_paper"
    case coverOpen = "cover_open"

    /// The screen's line while it cannot print.
    public var notice: String? {
        switch self {
        case .ready: nil
        case .outOfPaper: "Printer out of paper: the receipt prints when paper is back"
        case .coverOpen: "Printer cover open: the receipt prints when it is closed"
        }
    }
}
