import Foundation

/// A screen size in character cells.
public struct ScreenSize: Sendable, Equatable, CustomStringConvertible {
    public var columns: Int
    public var rows: Int

    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
    }

    public var description: String { "\(columns)x\(rows)" }
}

/// The colour pairs the screen uses, by meaning. The curses layer maps each to colours when the terminal has them,
/// and to plain attributes when it does not (`TERM=vt100`, `NO_COLOR`).
public enum Palette: String, Sendable, Equatable, CaseIterable {
    case plain
    /// The green Enter (OK) key, and an approval.
    case green
    /// The red Cancel key, and a refusal.
    case red
    /// The yellow Clear (correction) key, and warnings.
    case yellow
    /// Thermal paper: dark on light.
    case paper
    /// The device's own screen.
    case display
    /// The device's status bar.
    case status
}

/// How a cell is drawn: attributes and a colour pair.
public struct CellStyle: Sendable, Equatable, Hashable {
    public var bold = false
    public var reverse = false
    public var dim = false
    public var palette = Palette.plain

    public init(bold: Bool = false, reverse: Bool = false, dim: Bool = false, palette: Palette = .plain) {
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
        self.palette = palette
    }

    public static let normal = CellStyle()
    public static let bold = CellStyle(bold: true)
    public static let reverse = CellStyle(reverse: true)
    public static let dim = CellStyle(dim: true)

    /// The same style in another colour pair.
    public func on(_ palette: Palette) -> CellStyle {
        var s = self
        s.palette = palette
        return s
    }

    /// Words for the golden files' legend: "bold reverse green".
    public var words: String {
        var w: [String] = []
        if bold { w.append("bold") }
        if reverse { w.append("reverse") }
        if dim { w.append("dim") }
        if palette != .plain { w.append(palette.rawValue) }
        return w.isEmpty ? "normal" : w.joined(separator: " ")
    }
}

/// A rectangle of cells.
public struct CellRect: Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var width: Int
    public var height: Int

    public init(row: Int, column: Int, width: Int, height: Int) {
        self.row = row
        self.column = column
        self.width = width
        self.height = height
    }

    public func contains(row r: Int, column c: Int) -> Bool {
        r >= row && r < row + height && c >= column && c < column + width
    }
}

/// A rendered screen: what ncurses draws and what golden tests compare.
public struct ScreenBuffer: Sendable, Equatable {
    public let size: ScreenSize
    public private(set) var characters: [[Character]]
    public private(set) var styles: [[CellStyle]]

    public init(size: ScreenSize) {
        self.size = size
        characters = Array(repeating: Array(repeating: " ", count: size.columns), count: size.rows)
        styles = Array(repeating: Array(repeating: .normal, count: size.columns), count: size.rows)
    }

    /// Writes text from (row, column), clipped at the right edge and the `limit` column.
    public mutating func put(_ text: String, row: Int, column: Int, style: CellStyle = .normal, limit: Int? = nil) {
        guard row >= 0, row < size.rows else { return }
        let end = min(size.columns, limit ?? size.columns)
        var c = column
        for ch in text {
            if c >= end { break }
            if c >= 0 {
                characters[row][c] = ch
                styles[row][c] = style
            }
            c += 1
        }
    }

    /// Gives a row's cells a style from `column` for `width` cells (all of the row by default), keeping the text.
    public mutating func fill(row: Int, style: CellStyle, column: Int = 0, width: Int? = nil) {
        guard row >= 0, row < size.rows else { return }
        let end = min(size.columns, width.map { column + $0 } ?? size.columns)
        guard column < end else { return }
        for c in max(0, column)..<end { styles[row][c] = style }
    }

    /// Fills a rectangle with a style (its text unchanged).
    public mutating func fill(_ rect: CellRect, style: CellStyle) {
        for r in rect.row..<(rect.row + rect.height) { fill(row: r, style: style, column: rect.column, width: rect.width) }
    }

    /// Draws a box with a title in its top border.
    public mutating func box(top: Int, left: Int, width: Int, height: Int, title: String? = nil, style: CellStyle = .normal) {
        guard width >= 2, height >= 2 else { return }
        put("┌" + String(repeating: "─", count: width - 2) + "┐", row: top, column: left, style: style)
        for r in (top + 1)..<(top + height - 1) {
            put("│", row: r, column: left, style: style)
            put("│", row: r, column: left + width - 1, style: style)
        }
        put("└" + String(repeating: "─", count: width - 2) + "┘", row: top + height - 1, column: left, style: style)
        if let title, !title.isEmpty { put(" \(title) ", row: top, column: left + 2, style: style, limit: left + width - 2) }
    }

    /// The same screen in plain ASCII, for terminals without UTF-8: line drawing as `+ - |`, accented letters
    /// without their accents, other symbols as their nearest ASCII character. One character per cell, as before, so
    /// the layout does not move.
    public func asciiFolded() -> ScreenBuffer {
        var folded = self
        for r in 0..<size.rows {
            for c in 0..<size.columns where !characters[r][c].isASCII {
                folded.characters[r][c] = Self.ascii(characters[r][c])
            }
        }
        return folded
    }

    static func ascii(_ ch: Character) -> Character {
        switch ch {
        case "─", "━", "═": return "-"
        case "│", "┃", "║": return "|"
        case "┌", "┐", "└", "┘", "├", "┤", "┬", "┴", "┼", "╭", "╮", "╰", "╯": return "+"
        case "•", "●", "◉": return "*"
        case "·", "…": return "."
        case "≤": return "<"
        case "≥": return ">"
        case "▲", "↑": return "^"
        case "▼", "↓": return "v"
        case "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█": return "#"
        case "⌫", "←": return "<"
        case "✓": return "v"
        case "✕", "✗": return "x"
        case "€": return "E"
        default:
            let plain = String(ch).folding(options: .diacriticInsensitive, locale: nil)
            return plain.count == 1 && plain.first!.isASCII ? plain.first! : "?"
        }
    }

    /// The text of one row, trailing spaces removed.
    public func line(_ row: Int) -> String {
        var s = String(characters[row])
        while s.last == " " { s.removeLast() }
        return s
    }

    /// All rows as text (for golden files and logs).
    public var text: String {
        (0..<size.rows).map(line).joined(separator: "\n") + "\n"
    }
}
