import Foundation
import TerminalEngine

/// The device's status bar: network and signal, the payments waiting to be forwarded, the printer, the reader on
/// the left; the battery with its drain and the time on the right. Icons are one cell each (no emoji, whose width
/// terminals disagree on) and fold to ASCII.
enum StatusBar {
    static func text(_ model: UIModel, width: Int) -> String {
        let s = model.snapshot
        let w = { (english: String) in Wording.text(english, model.language) }
        var left: [String] = [network(s.profile, model.reading?.network ?? .up)]
        if !s.readerConnected { left.append(w("READER") + "✕") }
        if s.offlineQueue.count > 0 { left.append("↑\(s.offlineQueue.count)") }
        if s.profile.printerColumns != nil {
            switch s.printer {
            case .ready: break
            case .outOfPaper: left.append(w("PAPER") + "✕")
            case .coverOpen: left.append(w("COVER") + "✕")
            }
            if s.heldReceipts > 0 { left.append("▤\(s.heldReceipts)") }
        }
        var right: [String] = []
        if let battery = s.battery {
            let arrow = battery.charging ? "↑" : "↓"
            right.append("\(Int(battery.level.rounded(.down)))%\(arrow)" + (battery.isLow ? "!" : ""))
        }
        if let reading = model.reading { right.append(clock(reading.now, in: reading.timeZone)) }
        let r = right.joined(separator: " ")
        // The left icons in order of importance, as many as fit whole.
        var l = ""
        for token in left {
            let next = l.isEmpty ? token : l + " " + token
            if next.count + 1 + r.count > width { break }
            l = next
        }
        return l + String(repeating: " ", count: max(1, width - l.count - r.count)) + r
    }

    /// The link the device uses and its state: bars for a radio, the plug for Ethernet, a cross when down.
    static func network(_ profile: FirmwareProfile, _ state: NetworkConditions.State) -> String {
        let link = profile.connectivity.first ?? "ethernet"
        let name = switch link {
        case "ethernet": "ETH"
        case "wifi": "WIFI"
        case "4g", "lte": "4G"
        case "bluetooth": "BT"
        case "phone": "4G"
        default: link.uppercased()
        }
        let radio = link != "ethernet"
        return switch state {
        case .up: radio ? name + "▂▄▆" : name
        case .flaky: radio ? name + "▂  " : name + "~"
        case .down: name + "✕"
        }
    }

    /// HH:MM in the terminal's own time zone, as a terminal's clock shows it.
    static func clock(_ date: Date, in zone: TimeZone) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        let h = parts.hour ?? 0, m = parts.minute ?? 0
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
