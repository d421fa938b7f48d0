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

/// How a cell is drawn.
public enum CellStyle: Sendable, Equatable {
    case normal, bold, reverse, dim
}

/// A rendered screen: what ncurses blits and what golden tests compare.
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

    /// Fills a whole row with a style (for bars).
    public mutating func fill(row: Int, style: CellStyle) {
        guard row >= 0, row < size.rows else { return }
        for c in 0..<size.columns { styles[row][c] = style }
    }

    /// Draws a box with a title in its top border.
    public mutating func box(top: Int, left: Int, width: Int, height: Int, title: String? = nil) {
        guard width >= 2, height >= 2 else { return }
        put("┌" + String(repeating: "─", count: width - 2) + "┐", row: top, column: left)
        for r in (top + 1)..<(top + height - 1) {
            put("│", row: r, column: left)
            put("│", row: r, column: left + width - 1)
        }
        put("└" + String(repeating: "─", count: width - 2) + "┘", row: top + height - 1, column: left)
        if let title, !title.isEmpty { put(" \(title) ", row: top, column: left + 2, limit: left + width - 2) }
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
