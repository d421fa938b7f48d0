import CLibUSB
import Foundation

/// A reader's endpoints through libusb-1.0: the device opened, its kernel driver detached when one is bound (and
/// only then: under emulation there is none, and auto-detach would make the claim fail), the reader's interface
/// claimed, its bulk and interrupt endpoints found. libusb's synchronous calls block, so each endpoint has its own
/// serial queue and the async callers wait on it — never on Swift's cooperative threads.
public final class LibUSBTransport: USBTransport, @unchecked Sendable {
    // The libusb handles are used only on `bulk` and `interrupt`'s queues after `open` returns, and released once,
    // in deinit: hence @unchecked Sendable.
    private let context: OpaquePointer
    private let handle: OpaquePointer
    private let interface: Int32
    private let endpoints: Endpoints
    private let bulk = DispatchQueue(label: "vtpe.usb.bulk")
    private let interrupt = DispatchQueue(label: "vtpe.usb.interrupt")
    public let device: USBDeviceInfo
    /// The device's sysfs directory, found once at open (nil when sysfs cannot be read): while it is there the
    /// device is on the bus.
    private let sysfsDirectory: String?

    struct Endpoints {
        var bulkOut: UInt8?
        var bulkIn: UInt8?
        var interruptIn: UInt8?
    }

    /// Opens the first device with this vendor:product id (or at this bus address), for the reader's interface
    /// (class CCID 0x0B, else HID 0x03, else the first).
    public init(vendorID: UInt16, productID: UInt16, bus: UInt8? = nil, address: UInt8? = nil) throws(ReaderError) {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        guard rc == 0, let ctx else { throw .io("libusb cannot start: \(Self.name(rc))") }
        context = ctx
        var handle: OpaquePointer?
        var info: USBDeviceInfo?
        var endpoints = Endpoints()
        var interface: Int32 = 0
        do throws(ReaderError) {
            let found = try Self.find(ctx, vendorID: vendorID, productID: productID, bus: bus, address: address)
            info = found.info
            defer { libusb_unref_device(found.device) }
            let path = found.info.path
            let opened = libusb_open(found.device, &handle)
            guard opened == 0, let handle else {
                switch opened {
                case LIBUSB_ERROR_ACCESS.rawValue:
                    throw .access("no permission to open \(path) (\(found.info.idText)): run as root, or install the udev rule of docs/readers.md")
                case LIBUSB_ERROR_NO_DEVICE.rawValue: throw .disconnected
                default: throw .io("cannot open \(path): \(Self.name(opened))")
                }
            }
            do throws(ReaderError) {
                (interface, endpoints) = try Self.readerInterface(found.device)
            } catch {
                libusb_close(handle)
                throw error
            }
            var detachedDriver = false
            if libusb_kernel_driver_active(handle, interface) == 1 {
                let driver = USBHolders.kernelDriver(bus: found.info.bus, address: found.info.address, interface: interface) ?? "a kernel driver"
                let detached = libusb_detach_kernel_driver(handle, interface)
                guard detached == 0 else {
                    libusb_close(handle)
                    throw .busy("the kernel driver \(driver) holds \(found.info.idText) and cannot be detached (\(Self.name(detached))): run as root, or `modprobe -r \(driver)` and blacklist it (docs/readers.md)")
                }
                detachedDriver = true
            }
            let claimed = libusb_claim_interface(handle, interface)
            guard claimed == 0 else {
                if detachedDriver { _ = libusb_attach_kernel_driver(handle, interface) }
                libusb_close(handle)
                if claimed == LIBUSB_ERROR_BUSY.rawValue {
                    let holder = USBHolders.process(bus: found.info.bus, address: found.info.address).map { "\($0.command) (pid \($0.pid))" } ?? "another program (pcscd?)"
                    throw .busy("\(holder) holds \(found.info.idText): stop it (`systemctl stop pcscd.socket pcscd`) or use --reader pcsc")
                }
                throw .io("cannot claim \(found.info.idText): \(Self.name(claimed))")
            }
        } catch {
            libusb_exit(ctx)
            throw error
        }
        self.handle = handle!
        self.interface = interface
        self.endpoints = endpoints
        device = info!
        sysfsDirectory = USBHolders.sysfsDevice(bus: device.bus, address: device.address)
    }

    private let closed = NSLock()
    private var isClosed = false

    /// Releases the interface and the device (once; later transfers fail as on an unplugged reader).
    public func close() {
        let first = closed.withLock { () -> Bool in
            defer { isClosed = true }
            return !isClosed
        }
        guard first else { return }
        // Wait for a transfer in progress on each queue before the handle goes.
        bulk.sync {}
        interrupt.sync {}
        libusb_release_interface(handle, interface)
        libusb_close(handle)
        libusb_exit(context)
    }

    deinit { close() }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(ReaderError) {
        guard let endpoint = endpoints.bulkOut else { throw .io("\(device.idText) has no bulk OUT endpoint") }
        let sent = try await transfer(on: bulk, endpoint: endpoint) { handle, transferred in
            var copy = bytes
            return (libusb_bulk_transfer(handle, endpoint, &copy, Int32(copy.count), &transferred, Self.milliseconds(timeout)), [])
        }
        guard sent.count == bytes.count else { throw .io("bulk OUT sent \(sent.count) of \(bytes.count) bytes") }
    }

    public func read(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        guard let endpoint = endpoints.bulkIn else { throw .io("\(device.idText) has no bulk IN endpoint") }
        return try await receive(on: bulk, endpoint: endpoint, maxLength: maxLength) { handle, buffer, transferred in
            libusb_bulk_transfer(handle, endpoint, buffer, Int32(maxLength), &transferred, Self.milliseconds(timeout))
        }
    }

    public func readInterrupt(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        guard let endpoint = endpoints.interruptIn else {
            try? await Task.sleep(for: timeout)
            throw .timeout("no interrupt endpoint")
        }
        return try await receive(on: interrupt, endpoint: endpoint, maxLength: maxLength) { handle, buffer, transferred in
            libusb_interrupt_transfer(handle, endpoint, buffer, Int32(maxLength), &transferred, Self.milliseconds(timeout))
        }
    }

    private func receive(on queue: DispatchQueue, endpoint: UInt8, maxLength: Int,
                         _ call: @escaping @Sendable (OpaquePointer, UnsafeMutablePointer<UInt8>, inout Int32) -> Int32) async throws(ReaderError) -> [UInt8] {
        try await transfer(on: queue, endpoint: endpoint) { handle, transferred in
            // The buffer is filled by libusb and read back before the closure returns.
            Self.scratch(maxLength) { call(handle, $0, &transferred) }
        }.bytes
    }

    /// Runs a blocking libusb transfer on `queue`; the bytes it moved, or the error.
    private func transfer(on queue: DispatchQueue, endpoint: UInt8,
                          _ call: @escaping @Sendable (OpaquePointer, inout Int32) -> (Int32, [UInt8])) async throws(ReaderError) -> (count: Int, bytes: [UInt8]) {
        let handle = UncheckedHandle(handle)
        let result: Result<(Int, [UInt8]), ReaderError> = await withCheckedContinuation { continuation in
            queue.async {
                // Closed meanwhile: the handle is gone; the reader is as good as unplugged.
                guard !self.closed.withLock({ self.isClosed }) else {
                    continuation.resume(returning: .failure(.disconnected))
                    return
                }
                var transferred: Int32 = 0
                let (rc, bytes) = call(handle.value, &transferred)
                if rc == 0 || (rc == LIBUSB_ERROR_TIMEOUT.rawValue && transferred > 0) {
                    continuation.resume(returning: .success((Int(transferred), Array(bytes.prefix(Int(transferred))))))
                } else {
                    // A stalled endpoint stays stalled until cleared: this one, not the control endpoint.
                    if rc == LIBUSB_ERROR_PIPE.rawValue { _ = libusb_clear_halt(handle.value, endpoint) }
                    continuation.resume(returning: .failure(Self.error(rc)))
                }
            }
        }
        if case .failure = result, let sysfsDirectory, !FileManager.default.fileExists(atPath: sysfsDirectory) {
            // The device is no longer on the bus (sysfs): unplugged, whatever the failed transfer said (a time-out,
            // an I/O error).
            throw .disconnected
        }
        return try result.get()
    }

    private static func scratch(_ size: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int32) -> (Int32, [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: max(1, size))
        let rc = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return (rc, buffer)
    }

    private static func milliseconds(_ d: Duration) -> UInt32 {
        let (s, atto) = d.components
        return UInt32(clamping: s * 1000 + atto / 1_000_000_000_000_000)
    }

    static func error(_ rc: Int32) -> ReaderError {
        switch rc {
        case LIBUSB_ERROR_TIMEOUT.rawValue: .timeout("the reader did not answer in time")
        case LIBUSB_ERROR_PIPE.rawValue: .stall("the endpoint stalled")
        case LIBUSB_ERROR_NO_DEVICE.rawValue: .disconnected
        case LIBUSB_ERROR_OVERFLOW.rawValue: .io("the reader sent more than asked for")
        default: .io("USB transfer failed: \(name(rc))")
        }
    }

    static func name(_ rc: Int32) -> String { libusb_error_name(rc).map { String(cString: $0) } ?? "code \(rc)" }

    private static func find(_ ctx: OpaquePointer, vendorID: UInt16, productID: UInt16, bus: UInt8?, address: UInt8?) throws(ReaderError)
        -> (device: OpaquePointer, info: USBDeviceInfo) {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(ctx, &list)
        guard count >= 0, let list else { throw .io("cannot list USB devices: \(name(Int32(count)))") }
        defer { libusb_free_device_list(list, 1) }
        for i in 0..<Int(count) {
            guard let device = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &desc) == 0, desc.idVendor == vendorID, desc.idProduct == productID else { continue }
            let info = USBDeviceInfo(bus: libusb_get_bus_number(device), address: libusb_get_device_address(device), vendorID: vendorID, productID: productID)
            if let bus, bus != info.bus { continue }
            if let address, address != info.address { continue }
            return (libusb_ref_device(device), info)
        }
        throw .notFound("no USB device \(USBDeviceInfo.idText(vendorID: vendorID, productID: productID)) is attached")
    }

    /// The reader's interface and its endpoints: CCID (class 0x0B) first, then HID (0x03), then the first one.
    private static func readerInterface(_ device: OpaquePointer) throws(ReaderError) -> (Int32, Endpoints) {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        let rc = libusb_get_active_config_descriptor(device, &config)
        guard rc == 0, let config else { throw .io("cannot read the configuration descriptor: \(name(rc))") }
        defer { libusb_free_config_descriptor(config) }
        var candidates: [(rank: Int, number: Int32, endpoints: Endpoints)] = []
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[i]
            guard interface.num_altsetting > 0 else { continue }
            let alt = interface.altsetting[0]
            var endpoints = Endpoints()
            for e in 0..<Int(alt.bNumEndpoints) {
                let endpoint = alt.endpoint[e]
                let address = endpoint.bEndpointAddress
                let input = address & 0x80 != 0
                switch Int32(endpoint.bmAttributes & 0x03) {
                case Int32(LIBUSB_TRANSFER_TYPE_BULK.rawValue):
                    if input { endpoints.bulkIn = address } else { endpoints.bulkOut = address }
                case Int32(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue):
                    if input { endpoints.interruptIn = address }
                default: break
                }
            }
            let rank = alt.bInterfaceClass == 0x0B ? 0 : alt.bInterfaceClass == 0x03 ? 1 : 2
            candidates.append((rank, Int32(alt.bInterfaceNumber), endpoints))
        }
        guard let best = candidates.min(by: { $0.rank < $1.rank }) else { throw .io("the device has no interface") }
        return (best.number, best.endpoints)
    }
}

/// A libusb handle carried to the transfer queue.
private struct UncheckedHandle: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}
