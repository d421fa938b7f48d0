/// The battery of a portable or mobile terminal (docs/devices.md): its level, drained by each transaction and by
/// idle time, or rising on the charger. Pure; the engine applies it on its clock and tells the state machine.
public struct BatteryGauge: Sendable, Equatable {
    /// Below this the terminal warns.
    public static let warningLevel = 20.0
    /// At or below this (and off the charger) a new transaction is refused; one in progress completes.
    public static let refusalLevel = 5.0
    /// What the charger adds per minute.
    public static let chargePerMinute = 2.0

    public let model: FirmwareProfile.Battery
    public private(set) var reading: BatteryReading

    public init(model: FirmwareProfile.Battery, level: Double = 100, charging: Bool = false) {
        self.model = model
        reading = BatteryReading(level: min(100, max(0, level)), charging: charging)
    }

    public mutating func transactionFinished() {
        guard !reading.charging else { return }
        reading.level = max(0, reading.level - model.drainPerTransaction)
    }

    public mutating func minutesPassed(_ minutes: Double) {
        reading.level = reading.charging ? min(100, reading.level + Self.chargePerMinute * minutes)
            : max(0, reading.level - model.drainPerIdleMinute * minutes)
    }

    /// A level set by hand (`vtpe battery PCT`): off the charger.
    public mutating func set(level: Double) {
        reading = BatteryReading(level: min(100, max(0, level)), charging: false)
    }

    /// On the charger (`vtpe battery charge`).
    public mutating func charge() {
        reading.charging = true
    }
}

/// A battery's level (percent) and whether it is charging.
public struct BatteryReading: Sendable, Equatable, Codable {
    public var level: Double
    public var charging: Bool

    public init(level: Double, charging: Bool) {
        self.level = level
        self.charging = charging
    }

    /// Off the charger at or below `BatteryGauge.refusalLevel`.
    public var refusesTransactions: Bool { !charging && level <= BatteryGauge.refusalLevel }
    /// Off the charger below `BatteryGauge.warningLevel`.
    public var isLow: Bool { !charging && level < BatteryGauge.warningLevel }
    /// `57 %`, `4 % charging`.
    public var summary: String { "\(Int(level.rounded(.down))) %" + (charging ? " charging" : "") }
}

/// What happens to a battery.
public enum BatteryChange: Sendable, Equatable {
    case minutesPassed(Double)
    case transactionFinished
    /// A level set by hand (`vtpe battery PCT`), off the charger.
    case set(Double)
    /// On the charger (`vtpe battery charge`).
    case charge
}
