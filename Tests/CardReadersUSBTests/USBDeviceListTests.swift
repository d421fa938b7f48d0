import Foundation
import Testing
@testable import CardReadersUSB

@Suite struct USBDeviceListTests {
    @Test func identifiesSupportedReaders() {
        #expect(KnownReader.identify(vendorID: 0x072F, productID: 0x2200)?.name == "ACS ACR122U")
        #expect(KnownReader.identify(vendorID: 0x072F, productID: 0x223E)?.kind == .ccidContactless)
        #expect(KnownReader.identify(vendorID: 0x0801, productID: 0x0002)?.kind == .magstripeHID)
        #expect(KnownReader.identify(vendorID: 0x1D6B, productID: 0x0002) == nil)
    }

    @Test func describesDevicesWithTheirModel() {
        let d = USBDeviceInfo(bus: 1, address: 3, vendorID: 0x072F, productID: 0x2200, model: KnownReader.identify(vendorID: 0x072F, productID: 0x2200))
        #expect(d.description == "bus 1 device 3 072f:2200 ACS ACR122U (CCID contactless)")
    }

    @Test func devicesAreTaggedWithTheirModel() {
        #expect(USBDeviceInfo(bus: 2, address: 7, vendorID: 0x0801, productID: 0x0002).model?.name == "MagTek USB swipe reader")
        #expect(USBDeviceInfo(bus: 2, address: 8, vendorID: 0x1D6B, productID: 0x0003).model == nil)
    }

    /// libusb's list is checked against what the kernel shows in sysfs (an independent reading of the same bus):
    /// the same devices, vendor:product and addresses — none invented, none missed, also when there are none.
    @Test func enumerationMatchesSysfs() throws {
        let expected = Self.sysfsDevices()
        do {
            let devices = try USBDeviceList.devices()
            let seen = Set(devices.map { "\($0.bus)/\($0.address) \(String(format: "%04x:%04x", $0.vendorID, $0.productID))" })
            #expect(seen == expected)
        } catch {
            // libusb cannot open the bus: acceptable only where the kernel shows no USB device at all.
            #expect(error.description.hasPrefix("USB "))
            #expect(expected.isEmpty, "sysfs lists \(expected.count) devices but libusb failed: \(error)")
        }
    }

    /// `/sys/bus/usb/devices/*/{busnum,devnum,idVendor,idProduct}` (interfaces have no idVendor and are skipped).
    static func sysfsDevices() -> Set<String> {
        let root = URL(fileURLWithPath: "/sys/bus/usb/devices")
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return [] }
        var out: Set<String> = []
        for entry in entries {
            func read(_ name: String) -> String? {
                (try? String(contentsOf: root.appendingPathComponent(entry).appendingPathComponent(name), encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let vendor = read("idVendor"), let product = read("idProduct"), let bus = read("busnum").flatMap(Int.init),
                  let address = read("devnum").flatMap(Int.init) else { continue }
            out.insert("\(bus)/\(address) \(vendor):\(product)")
        }
        return out
    }
}
