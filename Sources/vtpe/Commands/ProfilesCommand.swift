import ArgumentParser
import Foundation
import PaymentCore
import TerminalEngine
import PaymentCrypto

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "List, show and validate firmware profiles (terminal models).",
        subcommands: [List.self, Show.self, Validate.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the shipped profiles with their form factor.")
        func run() async throws {
            do {
                let profiles = try FirmwareProfile.list()
                if profiles.isEmpty { throw CLIError("no firmware-profiles folder found; set VTPE_PROFILES_DIR").exit() }
                for p in profiles {
                    let base = p.extends.map { " (extends \($0))" } ?? ""
                    print("\(p.id.padding(toLength: 12, withPad: " ", startingAt: 0)) \(p.formFactor.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(p.currency.code) \(p.language.rawValue)  \(p.name) — \(p.model)\(base)")
                }
            } catch let error as ProfileError {
                throw CLIError("invalid firmware profile: \(error)", exitCode: 2).exit()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one profile, validated and resolved (its `extends:` chain applied).",
            discussion: "Prints the resolved YAML; --summary prints the main figures instead.")
        @Argument(help: "Profile id or path to a YAML file.") var profile: String
        @Flag(help: "Print a summary instead of the resolved YAML.") var summary = false
        func run() async throws {
            let p: FirmwareProfile
            let yaml: String
            do {
                p = try FirmwareProfile.load(named: profile)
                yaml = try p.resolvedYAML()
            } catch {
                throw CLIError("invalid firmware profile: \(error)", exitCode: 2).exit()
            }
            guard summary else { print(yaml, terminator: yaml.hasSuffix("\n") ? "" : "\n"); return }
            let tac = p.emv.tac.map { "denial \(HexCoding.encode($0.denial)), online \(HexCoding.encode($0.online)), default \(HexCoding.encode($0.default))" } ?? "kernel defaults"
            print("""
            id:           \(p.id)\(p.extends.map { " (extends \($0))" } ?? "")
            name:         \(p.name)
            model:        \(p.model)
            form factor:  \(p.formFactor.rawValue)
            language:     \(p.language.rawValue)
            display:      \(p.display.columns)x\(p.display.rows) cells\(p.keypad.touch ? ", touch" : ""); keys \(p.keypad.keys.isEmpty ? "none (touch screen only)" : p.keypad.keys.joined(separator: " "))
            printer:      \(p.printerColumns.map { "\($0) columns" } ?? "none (e-receipt)")
            currency:     \(p.currency.code) (exponent \(p.currency.exponent))
            country:      \(p.country)
            interfaces:   \(p.interfaces.map(\.rawValue).joined(separator: ", "))
            connectivity: \(p.connectivity.joined(separator: ", "))
            battery:      \(p.batteryModel.map { "\($0.capacityMAh) mAh, \($0.drainPerTransaction) % per transaction, \($0.drainPerIdleMinute) % per idle minute" } ?? "no (mains)")
            max amount:   \(p.limits.maxAmount.formatted(withCode: true))
            floor limit:  \(p.limits.floorLimit.formatted(withCode: true))
            contactless:  up to \(p.limits.contactlessTransactionLimit.formatted(withCode: true)), CVM above \(p.limits.contactlessCVMLimit.formatted(withCode: true))
            transactions: \(p.transactionTypes.map(\.rawValue).joined(separator: ", "))\(p.incrementalAuthorization ? "; incremental authorization" : "")\(p.unreferencedRefund ? "; unreferenced refunds" : "")
            tipping:      \(p.tipping.mode.rawValue)\(p.tipping.percentages.isEmpty ? "" : " \(p.tipping.percentages.map { "\($0) %" }.joined(separator: ", "))")
            receipts:     merchant copy \(p.receipt.merchantCopy.rawValue), customer copy \(p.receipt.customerCopy.rawValue)\(p.receipt.email ? ", e-mailed" : "")
            EMV:          9F35 \(HexCoding.encode([p.emv.terminalType])), 9F40 \(HexCoding.encode(p.emv.additionalTerminalCapabilities)), TAC \(tac)
            applications: \(p.emv.applications.joined(separator: ", "))
            merchant:     \(p.merchantName), \(p.merchantCity)
            keys:         \(p.keyManagement.rawValue)
            firmware:     \(p.firmwareVersion); kernel \(p.kernelVersion)
            source:       \(p.source)
            """)
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check profile files without starting anything.",
            discussion: "Each error names the file, the line, the field and what is allowed. Exit 0 when every file is valid, 2 otherwise.")
        @Argument(help: "The YAML files to check.") var files: [String]
        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one profile file") }
        }
        func run() async throws {
            var failed = 0
            for file in files {
                do {
                    let p = try FirmwareProfile.load(from: URL(fileURLWithPath: file))
                    print("\(file): ok (\(p.id), \(p.formFactor.rawValue)\(p.extends.map { ", extends \($0)" } ?? ""))")
                } catch {
                    failed += 1
                    FileHandle.standardError.write(Data("vtpe: invalid firmware profile: \(error)\n".utf8))
                }
            }
            if failed > 0 { throw ExitCode(2) }
        }
    }
}
