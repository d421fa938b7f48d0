import CardReaders

/// The reader a terminal takes its cards from (`vtpe terminal --reader`): the built-in simulator (the default), the
/// first known USB reader attached, or a given vendor:product id.
public enum ReaderChoice: Sendable, Equatable, CustomStringConvertible {
    case simulator
    /// `usb`: the first attached reader of the known models; `usb:VID:PID`: that device, whatever it is (a CCID
    /// reader vtpe has no table entry for is driven as a plain contact CCID reader).
    case usb(vendorID: UInt16?, productID: UInt16?)
    /// `pcsc`: the first reader pcscd has; `pcsc:NAME`: the one whose name contains NAME.
    case pcsc(String?)

    public init(parsing text: String) throws(ReaderError) {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "simulator" where parts.count == 1: self = .simulator
        case "usb" where parts.count == 1: self = .usb(vendorID: nil, productID: nil)
        case "pcsc" where parts.count == 1: self = .pcsc(nil)
        case "pcsc":
            // The name as given (PC/SC names have capitals and spaces); everything after the first colon.
            self = .pcsc(String(text.drop { $0 != ":" }.dropFirst()))
        case "usb" where parts.count == 3:
            guard parts[1].count == 4, parts[2].count == 4, let v = UInt16(parts[1], radix: 16), let p = UInt16(parts[2], radix: 16) else {
                throw .notFound("'\(text.prefix(40))': a USB reader is usb:VID:PID with four hex digits each (usb:072f:2200)")
            }
            self = .usb(vendorID: v, productID: p)
        default:
            throw .notFound("unknown reader '\(text.prefix(40))': use simulator, usb, usb:VID:PID, pcsc or pcsc:NAME (vtpe readers lists what is attached)")
        }
    }

    public var description: String {
        switch self {
        case .simulator: "simulator"
        case .usb(nil, _), .usb(_, nil): "usb"
        case .usb(let v?, let p?): "usb:" + USBDeviceInfo.idText(vendorID: v, productID: p)
        case .pcsc(nil): "pcsc"
        case .pcsc(let name?): "pcsc:" + name
        }
    }
}

/// A reader vtpe drives besides the simulator (USB, PC/SC): stopped when the terminal closes.
public protocol HardwareCardReader: CardReader {
    func stop()
}

extension USBCardReader: HardwareCardReader {}
extension PCSCCardReader: HardwareCardReader {}

extension KnownReader {
    /// How vtpe drives this model.
    public var driver: USBCardReader.Driver {
        switch kind {
        case .ccidContactless where name.contains("ACR122U"): .acr122u
        case .ccidContactless: .ccid(.contactless)
        case .ccidContact: .ccid(.contact)
        case .magstripeHID: .magtekHID
        }
    }
}

extension USBCardReader {
    /// The reader on the USB bus: a given vendor:product id is looked for until it appears (and again after it is
    /// unplugged), and the screen says so meanwhile; plain `usb` takes the first known model attached now, and
    /// throws when there is none (or the bus cannot be read), naming why.
    /// `trace`: a file every USB transfer is written to (`--reader-trace`, for a new test fixture).
    public static func attached(_ vendorID: UInt16?, _ productID: UInt16?, poll: Duration = .milliseconds(250), trace: String? = nil) throws(ReaderError) -> USBCardReader {
        guard let v = vendorID, let p = productID else {
            // The first known reader on the bus now (none: an error that says so).
            let devices: [USBDeviceInfo]
            do { devices = try USBDeviceList.devices() } catch { throw .io("cannot read the USB bus: \(error)") }
            guard let first = devices.first(where: { $0.model != nil }) else {
                throw .notFound("no known card reader is attached (vtpe readers lists the USB devices); name one with --reader usb:VID:PID")
            }
            return try attached(first.vendorID, first.productID, poll: poll, trace: trace)
        }
        let model = KnownReader.identify(vendorID: v, productID: p)
        let name = model?.name ?? "USB reader \(USBDeviceInfo.idText(vendorID: v, productID: p))"
        let driver = model?.driver ?? .ccid(.contact)
        return USBCardReader(name: name, driver: driver, poll: poll) { () throws(ReaderError) -> any USBTransport in
            let transport = try LibUSBTransport(vendorID: v, productID: p)
            guard let trace else { return transport }
            return try TracingTransport(transport, path: trace, title: "\(name) \(transport.device.idText), opened")
        }
    }
}
