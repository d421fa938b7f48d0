import Foundation
import PaymentCore
import TerminalEngine
import TerminalUI

extension TerminalControl {
    /// `status json`: the terminal's state for `vtpe status` — profile, reader, gateway, network, printer, the open
    /// batch and the reversals owed.
    func status() async -> [String: Any] {
        let snapshot = await engine.snapshot
        let profile = snapshot.profile
        let link = network.conditions
        let counts = network.counts
        let journal = await engine.journal
        let reversals = await engine.reversals.entries
        let totals: [[String: Any]] = journal.totals.map {
            ["currency": $0.currency, "brand": $0.brand, "type": $0.type, "count": $0.count, "amount": $0.amount]
        }
        var object: [String: Any] = [
            "result": "OK",
            "state": HeadlessLine.describe(snapshot),
            "profile": ["id": profile.id, "name": profile.name, "form_factor": profile.formFactor.rawValue],
            "terminal_id": snapshot.terminalID,
            "reader": ["name": snapshot.readerName, "id": (await presence?.readerID).map { $0 as Any } ?? NSNull(), "connected": snapshot.readerConnected],
            "gateway": snapshot.gatewayLabel,
            "network": [
                "state": network.effectiveState.rawValue, "set": link.state.rawValue, "scheduled_outage": network.inOutage,
                "latency_ms": link.latencyMS, "jitter_ms": link.jitterMS, "loss_percent": link.lossPercent,
                "requests": counts.requests, "lost": counts.lost,
            ],
            "printer": profile.printerColumns.map { ["columns": $0, "state": snapshot.printer.rawValue, "held_receipts": snapshot.heldReceipts] as [String: Any] }
                ?? NSNull(),
            "batch": ["number": journal.number, "transactions": journal.entries.count, "open_authorizations": journal.openAuthorizations.count,
                      "totals": totals],
            "reversals_pending": reversals.count,
            "card_in_slot": snapshot.cardInSlot,
            "receipt_offer": snapshot.receiptOffer.map {
                ["stan": Int($0.stan), "choices": $0.choices.map(\.rawValue), "asking_address": $0.askingAddress] as [String: Any]
            } ?? NSNull(),
        ]
        let queue = snapshot.offlineQueue
        object["offline"] = [
            "enabled": profile.offline.enabled, "pending": queue.count,
            "totals": queue.totals.sorted { $0.key.code < $1.key.code }.map { ["currency": $0.key.code, "amount": $0.value] },
            "oldest": queue.oldest.map { Int($0.timeIntervalSince1970) as Any } ?? NSNull(),
        ] as [String: Any]
        if let model = profile.batteryModel, let reading = snapshot.battery {
            object["battery"] = ["capacity_mah": model.capacityMAh, "level": reading.level, "charging": reading.charging,
                                 "low": reading.isLow, "refuses_transactions": reading.refusesTransactions] as [String: Any]
        } else {
            object["battery"] = NSNull()
        }
        return object
    }
}
