import CLibUSB
import CardReaders
import Foundation

/// A USB device seen on the bus, and which card reader it is when we know the model.
public struct USBDeviceInfo: Sendable, Equatable, CustomStringConvertible {
    public var bus: UInt8
    public var address: UInt8
    public var vendorID: UInt16
    public var productID: UInt16
    public var model: KnownReader?

    public init(bus: UInt8, address: UInt8, vendorID: UInt16, productID: UInt16, model: KnownReader?) {
        self.bus = bus
        self.address = address
        self.vendorID = vendorID
        self.productID = productID
        self.model = model
    }

    /// A device as the bus describes it, tagged with its model when vtpe knows it.
    public init(bus: UInt8, address: UInt8, vendorID: UInt16, productID: UInt16) {
        self.init(bus: bus, address: address, vendorID: vendorID, productID: productID,
                  model: KnownReader.identify(vendorID: vendorID, productID: productID))
    }

    public var description: String {
        "bus \(bus) device \(address) \(idText)" + (model.map { " \($0.name) (\($0.kind.rawValue))" } ?? "")
    }

    /// "072f:2200".
    public var idText: String { Self.idText(vendorID: vendorID, productID: productID) }

    public static func idText(vendorID: UInt16, productID: UInt16) -> String { String(format: "%04x:%04x", vendorID, productID) }

    /// Its device file, `/dev/bus/usb/BBB/DDD`.
    public var path: String { Self.path(bus: bus, address: address) }

    public static func path(bus: UInt8, address: UInt8) -> String { String(format: "/dev/bus/usb/%03d/%03d", bus, address) }
}

/// Reader models vtpe has a driver for.
public struct KnownReader: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case ccidContactless = "CCID contactless", ccidContact = "CCID contact", magstripeHID = "magnetic stripe (HID)"
    }
    public var name: String
    public var kind: Kind

    /// The table of supported models by USB vendor:product id.
    public static let table: [UInt32: KnownReader] = [
        0x072F_2200: KnownReader(name: "ACS ACR122U", kind: .ccidContactless),
        0x072F_223E: KnownReader(name: "ACS ACR1252U", kind: .ccidContactless),
        0x0801_0002: KnownReader(name: "MagTek USB swipe reader", kind: .magstripeHID),
    ]

    public static func identify(vendorID: UInt16, productID: UInt16) -> KnownReader? {
        table[UInt32(vendorID) << 16 | UInt32(productID)]
    }
}

/// Why the USB bus could not be read.
public struct USBError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    public var description: String {
        let name = libusb_error_name(code).map { String(cString: $0) } ?? "code \(code)"
        return "USB \(operation) failed: \(name)"
    }
}

/// Enumerates USB devices through libusb. Each call opens and closes its own libusb context, so no libusb state
/// outlives the call and no thread but the caller's touches it.
public enum USBDeviceList {
    public static func devices() throws(USBError) -> [USBDeviceInfo] {
        var context: OpaquePointer?
        let rc = libusb_init(&context)
        guard rc == 0 else { throw USBError(operation: "init", code: rc) }
        defer { libusb_exit(context) }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { throw USBError(operation: "device list", code: Int32(count)) }
        defer { libusb_free_device_list(list, 1) }
        var out: [USBDeviceInfo] = []
        for i in 0..<Int(count) {
            guard let device = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &desc) == 0 else { continue }
            out.append(USBDeviceInfo(bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
                                     vendorID: desc.idVendor, productID: desc.idProduct))
        }
        return out
    }
}
