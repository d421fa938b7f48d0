/// The golden-file form of a screen: its text, then a map of the styles cell by cell with a legend, so a test
/// catches a lost colour or a bold that moved as surely as a changed word.
///
/// ```
/// <the rows of text>
/// -- styles --
/// a  bold
/// b  reverse green
/// -- map --
/// <one letter per cell, "." for normal; rows with no style are left empty>
/// ```
/// Letters are given in the order the styles first appear, reading row by row, so the same screen always gives the
/// same file.
extension ScreenBuffer {
    public var legendText: String {
        var letters: [CellStyle: Character] = [:]
        var order: [CellStyle] = []
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var map: [String] = []
        for r in 0..<size.rows {
            var row = ""
            for c in 0..<size.columns {
                let style = styles[r][c]
                if style == .normal { row.append("."); continue }
                if letters[style] == nil {
                    letters[style] = order.count < alphabet.count ? alphabet[order.count] : "?"
                    order.append(style)
                }
                row.append(letters[style]!)
            }
            while row.last == "." { row.removeLast() }
            map.append(row)
        }
        let legend = order.map { "\(letters[$0]!)  \($0.words)" }
        return text + "-- styles --\n" + legend.map { $0 + "\n" }.joined() + "-- map --\n" + map.joined(separator: "\n") + "\n"
    }
}
