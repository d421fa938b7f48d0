import Foundation

/// The daily settlement, pure: for each currency whose available, unsettled balance is positive, a payout of all
/// of it, its balance transaction, the claim of the transactions it settles (guarded by their sum, so a concurrent
/// settlement — another gateway process — makes the commit fail instead of paying twice) and its events.
enum PayoutSettlement {
    static func plan(_ balances: [UnsettledBalance], availableBy now: Int64) -> [[StoreWrite]] {
        balances.filter { $0.net > 0 }.sorted { $0.currency < $1.currency }.map { balance in
            let id = ObjectID.make("po")
            let txn = BalanceTransactionRecord(
                id: ObjectID.make("txn"), type: "payout", source: id, amount: -balance.net, fee: 0, net: -balance.net,
                currency: balance.currency, created: now, availableOn: now, description: "STRIPE PAYOUT", reportingCategory: "payout",
                payout: id)
            let payout = PayoutRecord(id: id, amount: balance.net, currency: balance.currency, status: .paid, arrivalDate: now, created: now,
                                      balanceTransaction: txn.id, description: "STRIPE PAYOUT", metadata: "{}")
            return [.settle(currency: balance.currency, availableBy: now, payout: id, expectedNet: balance.net), .insert(payout), .insert(txn)]
                + EventOutbox.writes([EventDraft(type: .payoutCreated, object: .payout(payout)),
                                      EventDraft(type: .payoutPaid, object: .payout(payout))], now: now)
        }
    }

    /// The next settlement time after `now`: every day at `hour:minute` UTC.
    static func next(after now: Date, hour: Int, minute: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: now) ?? now
        return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today) ?? now.addingTimeInterval(86_400)
    }
}
