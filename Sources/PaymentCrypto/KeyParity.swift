/// DES key parity: every key byte carries odd parity in its lowest bit.
public enum KeyParity {
    /// Sets each byte's lowest bit so the byte has an odd number of one bits.
    public static func adjustedToOdd(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { b in
            let high = b & 0xFE
            return high.nonzeroBitCount % 2 == 0 ? high | 1 : high
        }
    }

    /// True when every byte has odd parity.
    public static func isOdd(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0.nonzeroBitCount % 2 == 1 }
    }
}
