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

    /// libusb enumerates whatever this machine has (often nothing in a container); it must answer either way,
    /// and every device it reports that we know must be tagged with its model.
    @Test func enumeratesTheBusOrSaysWhy() {
        do {
            let devices = try USBDeviceList.devices()
            for d in devices { #expect(d.model == KnownReader.identify(vendorID: d.vendorID, productID: d.productID)) }
        } catch {
            #expect(error.description.hasPrefix("USB "))
        }
    }
}
