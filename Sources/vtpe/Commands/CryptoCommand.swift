import ArgumentParser
import Foundation
import PaymentCore
import PaymentCrypto

/// `vtpe crypto …`: the payment engineer's calculator. Each subcommand prints its result alone (upper-case hex,
/// or the PIN) on stdout; `--json` prints the inputs' shape and the result; bad input exits 2 with a message.
struct CryptoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "EMV and PIN cryptography calculator (test keys only).",
        subcommands: [ICCKey.self, SessionKey.self, ARQC.self, ARPC.self, DUKPT.self, PINBlockCommand.self]
    )

    /// Options every calculator takes.
    struct Output: ParsableArguments {
        @Flag(help: "Print a JSON object with the inputs' non-secret facts and the result.") var json = false

        func emit(_ result: String, _ details: [(String, String)] = []) {
            guard json else { printLine(result); return }
            let fields = (details + [("result", result)]).map { "  \"\($0.0)\": \"\($0.1)\"" }.joined(separator: ",\n")
            printLine("{\n\(fields)\n}")
        }
    }

    /// Runs a calculation; a crypto or input error becomes a message and exit code 2.
    static func calculate(_ body: () throws -> Void) throws {
        do { try body() } catch let error as CryptoError {
            throw CLIError(error.message, exitCode: 2).exit()
        } catch let error as CLIError {
            throw error.exit()
        }
    }

    static func key(_ hex: String, _ name: String) throws -> SymmetricKey {
        do { return try SymmetricKey(hex: hex) } catch {
            throw CLIError("--\(name): \(error.message)", exitCode: 2)
        }
    }

    static func bytes(_ hex: String, _ name: String, count: Int? = nil) throws -> [UInt8] {
        guard let b = HexCoding.decode(hex) else { throw CLIError("--\(name) is not hex (an even number of 0-9/A-F digits)", exitCode: 2) }
        if let count, b.count != count { throw CLIError("--\(name) must be \(count) bytes (\(count * 2) hex digits), not \(b.count)", exitCode: 2) }
        return b
    }

    struct ICCKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "icc-key", abstract: "ICC master key from an issuer master key (EMV option A or B).")
        @Option(help: "Issuer master key, 16 bytes hex.") var imk: String
        @Option(help: "PAN digits.") var pan: String
        @Option(help: "PAN sequence number, 00–99.") var psn = "00"
        @Option(help: "Derivation option: a or b.") var option = "a"
        @OptionGroup var output: Output

        func run() async throws {
            try CryptoCommand.calculate {
                guard let opt = EMVKeys.Option(rawValue: option.lowercased()) else { throw CLIError("--option must be a or b", exitCode: 2) }
                guard let n = UInt8(psn), n <= 99 else { throw CLIError("--psn must be a number 00–99", exitCode: 2) }
                let mk = try EMVKeys.iccMasterKey(issuerMasterKey: try CryptoCommand.key(imk, "imk"), pan: pan, psn: n, option: opt)
                output.emit(HexCoding.encode(mk.revealBytes()), [("option", opt.rawValue), ("kcv", try mk.checkValue())])
            }
        }
    }

    struct SessionKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "session-key", abstract: "EMV common session key from an ICC master key and the ATC.")
        @Option(help: "ICC master key, 16 bytes hex.") var mk: String
        @Option(help: "Application transaction counter, 2 bytes hex.") var atc: String
        @OptionGroup var output: Output

        func run() async throws {
            try CryptoCommand.calculate {
                let a = try CryptoCommand.bytes(atc, "atc", count: 2)
                let sk = try EMVKeys.sessionKey(masterKey: try CryptoCommand.key(mk, "mk"), atc: UInt16(a[0]) << 8 | UInt16(a[1]))
                output.emit(HexCoding.encode(sk.revealBytes()), [("kcv", try sk.checkValue())])
            }
        }
    }

    struct ARQC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "arqc", abstract: "Application cryptogram (MAC algorithm 3) over data with a session key.")
        @Option(help: "Session key, 16 bytes hex.") var key: String
        @Option(help: "The transaction data (CDOL1 data…), hex.") var data: String
        @Option(help: "emv (0x80 padding) or visa (0x00 padding).") var padding = "emv"
        @OptionGroup var output: Output

        func run() async throws {
            try CryptoCommand.calculate {
                guard let p = ApplicationCryptogram.Padding(rawValue: padding.lowercased()) else { throw CLIError("--padding must be emv or visa", exitCode: 2) }
                let ac = try ApplicationCryptogram.generate(sessionKey: try CryptoCommand.key(key, "key"), data: try CryptoCommand.bytes(data, "data"), padding: p)
                output.emit(HexCoding.encode(ac), [("padding", p.rawValue)])
            }
        }
    }

    struct ARPC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "arpc", abstract: "Authorisation response cryptogram, method 1 (--arc) or 2 (--csu).")
        @Option(help: "Session key, 16 bytes hex.") var key: String
        @Option(help: "The ARQC, 8 bytes hex.") var arqc: String
        @Option(help: "ARPC method: 1 or 2.") var method = 1
        @Option(help: "Authorisation response code, 2 bytes hex (method 1), e.g. 3030.") var arc: String?
        @Option(help: "Card status update, 4 bytes hex (method 2).") var csu: String?
        @Option(help: "Proprietary authentication data, 0–8 bytes hex (method 2).") var prop: String?
        @OptionGroup var output: Output

        func run() async throws {
            try CryptoCommand.calculate {
                let sk = try CryptoCommand.key(key, "key")
                let q = try CryptoCommand.bytes(arqc, "arqc", count: 8)
                switch method {
                case 1:
                    guard let arc else { throw CLIError("method 1 needs --arc", exitCode: 2) }
                    output.emit(HexCoding.encode(try ApplicationCryptogram.arpcMethod1(sessionKey: sk, arqc: q, arc: try CryptoCommand.bytes(arc, "arc", count: 2))), [("method", "1")])
                case 2:
                    guard let csu else { throw CLIError("method 2 needs --csu", exitCode: 2) }
                    let p = try prop.map { try CryptoCommand.bytes($0, "prop") } ?? []
                    output.emit(HexCoding.encode(try ApplicationCryptogram.arpcMethod2(sessionKey: sk, arqc: q, csu: try CryptoCommand.bytes(csu, "csu", count: 4), proprietary: p)), [("method", "2")])
                default:
                    throw CLIError("--method must be 1 or 2", exitCode: 2)
                }
            }
        }
    }

    struct DUKPT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dukpt",
            abstract: "DUKPT keys: TDES per ANSI X9.24-1, or AES per X9.24-3 with --aes.",
            discussion: """
            --key ipek     initial key (TDES IPEK; AES initial key from the KSN's initial key ID)
            --key current  current transaction key (AES: intermediate derivation key)
            --key pin|mac|data   the PIN, MAC-request and data-request keys (AES: PIN encryption, MAC generation,
                                 data encryption working keys of the BDK's length)
            TDES KSNs are 10 bytes (20 hex digits); AES KSNs 12 bytes (initial key ID 8 + counter 4).
            """
        )
        @Option(help: "Base derivation key, hex (TDES 16 bytes; AES 16/24/32 bytes).") var bdk: String
        @Option(help: "Key serial number, hex.") var ksn: String
        @Option(help: "ipek, current, pin, mac or data.") var key: String
        @Flag(help: "AES DUKPT (ANSI X9.24-3-2017).") var aes = false
        @OptionGroup var output: Output

        func run() async throws {
            try CryptoCommand.calculate {
                let b = try CryptoCommand.key(bdk, "bdk")
                guard ["ipek", "current", "pin", "mac", "data"].contains(key) else {
                    throw CLIError("--key must be ipek, current, pin, mac or data", exitCode: 2)
                }
                let result: SymmetricKey
                if aes {
                    let k = try AESKSN(hex: ksn)
                    let initial = try AESDUKPT.initialKey(bdk: b, initialKeyID: k.initialKeyID)
                    guard let type = AESDUKPT.KeyType.aes(byteCount: b.count) else {
                        throw CLIError("--bdk must be 16, 24 or 32 bytes for AES DUKPT", exitCode: 2)
                    }
                    switch key {
                    case "ipek": result = initial
                    case "current": result = try AESDUKPT.intermediateKey(initialKey: initial, ksn: k)
                    case "pin": result = try AESDUKPT.workingKey(initialKey: initial, ksn: k, usage: .pinEncryption, type: type)
                    case "mac": result = try AESDUKPT.workingKey(initialKey: initial, ksn: k, usage: .macGeneration, type: type)
                    default: result = try AESDUKPT.workingKey(initialKey: initial, ksn: k, usage: .dataEncrypt, type: type)
                    }
                } else {
                    let k = try KSN(hex: ksn)
                    let ipek = try TDESDUKPT.initialKey(bdk: b, ksn: k)
                    switch key {
                    case "ipek": result = ipek
                    case "current": result = try TDESDUKPT.currentKey(ipek: ipek, ksn: k)
                    case "pin": result = try TDESDUKPT.derive(bdk: b, ksn: k, usage: .pin)
                    case "mac": result = try TDESDUKPT.derive(bdk: b, ksn: k, usage: .macRequest)
                    default: result = try TDESDUKPT.derive(bdk: b, ksn: k, usage: .dataRequest)
                    }
                }
                output.emit(HexCoding.encode(result.revealBytes()), [("scheme", aes ? "AES DUKPT (X9.24-3)" : "TDES DUKPT (X9.24-1)"), ("key", key)])
            }
        }
    }

    struct PINBlockCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pinblock",
            abstract: "Encode an ISO 9564 PIN block (formats 0, 1, 3, 4); `pinblock decode` reverses it.",
            discussion: "Format 4 is enciphered with the AES --key; formats 0-3 print the clear block, or the TDES-enciphered one with --key.",
            subcommands: [Decode.self]
        )
        // Optional at parse time so `pinblock decode …` is not asked for them; checked in run().
        @Option(help: "0, 1, 3 or 4.") var format: Int?
        @Option(help: "The PIN, 4–12 digits (test PINs only).") var pin: String?
        @Option(help: "PAN digits (not used by format 1).") var pan: String?
        @Option(help: "Key, hex: AES for format 4 (required), TDES to encipher formats 0–3.") var key: String?
        @OptionGroup var output: Output

        static func format(_ n: Int) throws -> PINBlockFormat {
            switch n {
            case 0: .iso0
            case 1: .iso1
            case 3: .iso3
            case 4: .iso4
            default: throw CLIError("--format must be 0, 1, 3 or 4", exitCode: 2)
            }
        }

        func run() async throws {
            try CryptoCommand.calculate {
                guard let format, let pin else { throw CLIError("give --format and --pin (or use `pinblock decode`)", exitCode: 2) }
                let f = try Self.format(format)
                var rng = SystemRandomNumberGenerator()
                let block = try PINBlock.encode(pin: pin, pan: pan, format: f, random: &rng)
                if f == .iso4 {
                    guard let key else { throw CLIError("format 4 needs --key (an AES key)", exitCode: 2) }
                    output.emit(HexCoding.encode(try block.encipher(key: CryptoCommand.key(key, "key"), pan: pan)), [("format", "4")])
                } else if let key {
                    output.emit(HexCoding.encode(try block.encipher(key: CryptoCommand.key(key, "key"), pan: pan)), [("format", String(format)), ("enciphered", "tdes")])
                } else {
                    output.emit(HexCoding.encode(block.revealBytes()), [("format", String(format))])
                }
            }
        }

        struct Decode: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Decode a PIN block and print the PIN: vtpe crypto pinblock decode --format N --block HEX --pan PAN [--key HEX]."
            )
            /// --format, --pan and --key are the parent's options (one definition, usable after `decode`).
            @ParentCommand var parent: PINBlockCommand
            @Option(help: "The PIN block, hex (enciphered for format 4, or with --key).") var block: String

            func run() async throws {
                try CryptoCommand.calculate {
                    guard let format = parent.format else { throw CLIError("give --format", exitCode: 2) }
                    let f = try PINBlockCommand.format(format)
                    let bytes = try CryptoCommand.bytes(block, "block")
                    let clear: PINBlock
                    if let key = parent.key {
                        clear = try PINBlock.decipher(bytes, key: CryptoCommand.key(key, "key"), pan: parent.pan, format: f)
                    } else {
                        guard f != .iso4 else { throw CLIError("format 4 needs --key (an AES key)", exitCode: 2) }
                        clear = try PINBlock(bytes: bytes, format: f)
                    }
                    parent.output.emit(try clear.decode(pan: parent.pan), [("format", String(format))])
                }
            }
        }
    }
}
