import ArgumentParser
import Foundation
import TerminalEngine

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "List and show firmware profiles (terminal models).",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the profiles in firmware-profiles/.")
        func run() async throws {
            do {
                let profiles = try FirmwareProfile.list()
                if profiles.isEmpty { throw CLIError("no firmware-profiles folder found; set VTPE_PROFILES_DIR").exit() }
                for p in profiles {
                    print("\(p.id.padding(toLength: 12, withPad: " ", startingAt: 0)) \(p.formFactor.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(p.name) — \(p.model)")
                }
            } catch let error as ProfileError {
                throw CLIError("invalid firmware profile: \(error)", exitCode: 2).exit()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one profile, validated.")
        @Argument(help: "Profile id or path to a YAML file.") var profile: String
        func run() async throws {
            let p: FirmwareProfile
            do { p = try FirmwareProfile.load(named: profile) } catch {
                throw CLIError("invalid firmware profile: \(error)", exitCode: 2).exit()
            }
            print("""
            id:           \(p.id)
            name:         \(p.name)
            model:        \(p.model)
            form factor:  \(p.formFactor.rawValue)
            display:      \(p.display.columns)x\(p.display.rows) cells
            printer:      \(p.printerColumns.map { "\($0) columns" } ?? "none (e-receipt)")
            currency:     \(p.currency.code) (exponent \(p.currency.exponent))
            country:      \(p.country)
            interfaces:   \(p.interfaces.map(\.rawValue).joined(separator: ", "))
            connectivity: \(p.connectivity.joined(separator: ", "))
            battery:      \(p.battery ? "yes" : "no")
            max amount:   \(p.limits.maxAmount.formatted(withCode: true))
            floor limit:  \(p.limits.floorLimit.formatted(withCode: true))
            contactless:  up to \(p.limits.contactlessTransactionLimit.formatted(withCode: true)), CVM above \(p.limits.contactlessCVMLimit.formatted(withCode: true))
            merchant:     \(p.merchantName), \(p.merchantCity)
            source:       \(p.source)
            """)
        }
    }
}
