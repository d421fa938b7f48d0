import Foundation

/// Who holds a USB device, for messages that say how to free it: the kernel driver bound to an interface (sysfs),
/// and a process that has the device file open (`/proc/*/fd`, as `fuser` finds it).
public enum USBHolders {
    /// The sysfs directory of a device at this bus address (`/sys/bus/usb/devices/1-2`), found by its busnum/devnum.
    static func sysfsDevice(bus: UInt8, address: UInt8, root: String = "/sys/bus/usb/devices") -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        for name in names where !name.contains(":") {
            let dir = root + "/" + name
            func read(_ attribute: String) -> Int? {
                (try? String(contentsOfFile: dir + "/" + attribute, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            if read("busnum") == Int(bus), read("devnum") == Int(address) { return dir }
        }
        return nil
    }

    /// The kernel driver bound to the device's interface (`pn533_usb`, `usbhid`), nil when none.
    public static func kernelDriver(bus: UInt8, address: UInt8, interface: Int32) -> String? {
        guard let dir = sysfsDevice(bus: bus, address: address) else { return nil }
        let name = (dir as NSString).lastPathComponent
        let link = "\(dir)/\(name):1.\(interface)/driver"
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return nil }
        return (target as NSString).lastPathComponent
    }

    /// A process with the device file open (pcscd, another vtpe), other than this one.
    public static func process(bus: UInt8, address: UInt8) -> (pid: Int32, command: String)? {
        let path = USBDeviceInfo.path(bus: bus, address: address)
        let me = ProcessInfo.processInfo.processIdentifier
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in pids {
            guard let pid = Int32(entry), pid != me else { continue }
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == path {
                let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                return (pid, command)
            }
        }
        return nil
    }
}

/// A card reader on the bus and whether vtpe can take it (`vtpe readers`).
public struct AttachedReader: Sendable, Equatable {
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case free
        /// A kernel driver is bound (vtpe detaches it when it may).
        case kernelDriver(String)
        /// Another process has the device open.
        case heldBy(pid: Int32, command: String)
        /// This user may not open the device file.
        case noPermission

        public var description: String {
            switch self {
            case .free: "free"
            case .kernelDriver(let d): "kernel driver \(d) (detached when vtpe opens it as root)"
            case .heldBy(let pid, let command): "held by \(command) (pid \(pid))"
            case .noPermission: "no permission (run as root or install the udev rule of docs/readers.md)"
            }
        }

        /// A word for scripts.
        public var word: String {
            switch self {
            case .free: "free"
            case .kernelDriver: "kernel_driver"
            case .heldBy: "held"
            case .noPermission: "no_permission"
            }
        }
    }

    public var device: USBDeviceInfo
    public var state: State

    public var path: String { device.path }

    /// The readers attached now: the models vtpe knows (every USB device with `all`), each with who holds it.
    public static func list(all: Bool = false) throws(USBError) -> [AttachedReader] {
        try USBDeviceList.devices().filter { all || $0.model != nil }.map { device in
            AttachedReader(device: device, state: state(of: device))
        }
    }

    static func state(of device: USBDeviceInfo) -> AttachedReader.State {
        if let holder = USBHolders.process(bus: device.bus, address: device.address) { return .heldBy(pid: holder.pid, command: holder.command) }
        if let driver = (0..<4).lazy.compactMap({ USBHolders.kernelDriver(bus: device.bus, address: device.address, interface: $0) }).first {
            return .kernelDriver(driver)
        }
        if FileManager.default.fileExists(atPath: device.path), access(device.path, R_OK | W_OK) != 0 { return .noPermission }
        return .free
    }
}
