import Foundation
import GRDB

/// Takes the files of versions before the journal database into it, once: `terminal-<profile>.json` (id and next
/// STAN), `batch-<profile>.json` (the open batch), `reversals-<profile>.json` and `offline-<profile>.sqlite`. Each is
/// renamed `*.imported` once its content is committed, so nothing is read twice and nothing is lost; a file that
/// cannot be read stops the terminal with the file's name, as a damaged journal does.
enum LegacyImport {
    static func run(into database: TerminalDatabase, dataDirectory dir: URL, profileID: String) throws {
        let fm = FileManager.default
        func done(_ url: URL) throws {
            let target = url.appendingPathExtension("imported")
            try? fm.removeItem(at: target)
            try fm.moveItem(at: url, to: target)
        }
        func damaged(_ url: URL, _ error: any Error) -> TerminalStateError {
            TerminalStateError(message: "\(url.path) (from an earlier version) cannot be read (\(error)); keep it, and move it away to start without it")
        }

        let identityFile = dir.appendingPathComponent("terminal-\(profileID).json")
        if let data = fm.contents(atPath: identityFile.path) {
            do {
                let identity = try JSONDecoder().decode(TerminalIdentity.self, from: data)
                try database.save(identity)
            } catch { throw damaged(identityFile, error) }
            try done(identityFile)
        }

        let batchFile = dir.appendingPathComponent("batch-\(profileID).json")
        if let data = fm.contents(atPath: batchFile.path) {
            do { try database.save(try TerminalDatabase.decoder.decode(BatchJournal.self, from: data)) } catch { throw damaged(batchFile, error) }
            try done(batchFile)
        }

        let reversalsFile = dir.appendingPathComponent("reversals-\(profileID).json")
        if let data = fm.contents(atPath: reversalsFile.path) {
            do {
                let decoder = JSONDecoder()
                for entry in try decoder.decode([ReversalQueue.Entry].self, from: data) {
                    try database.addReversal(key: entry.key, paymentIntent: entry.paymentIntent, reason: entry.reason, created: entry.created)
                }
            } catch { throw damaged(reversalsFile, error) }
            try done(reversalsFile)
        }

        let offlineFile = dir.appendingPathComponent("offline-\(profileID).sqlite")
        if fm.fileExists(atPath: offlineFile.path) {
            do {
                // ATTACH cannot run inside a transaction: GRDB's writeWithoutTransaction, then one INSERT … SELECT.
                try database.queue.writeWithoutTransaction { db in
                    try db.execute(sql: "ATTACH DATABASE ? AS legacy", arguments: [offlineFile.path])
                    defer { try? db.execute(sql: "DETACH DATABASE legacy") }
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO offline_payments (stan, idempotency_key, amount, currency, brand, last4, stored_at, form, status, payment_intent, decline_code, attempts)
                        SELECT stan, idempotency_key, amount, currency, brand, last4, stored_at, form, status, payment_intent, decline_code, attempts
                        FROM legacy.offline_payments ORDER BY id
                        """)
                }
            } catch { throw damaged(offlineFile, error) }
            try done(offlineFile)
            for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: offlineFile.path + suffix) }
        }
    }
}
