import SQLKit

/// The SEPA settlement's query: the debits whose bank answer is due (the partial index `bank_debits_due`).
extension SQLPaymentStore {
    public func dueBankDebits(by bankNow: Int64, limit: Int) async throws -> [BankDebitRecord] {
        try await sessions.withSession { db in
            try await db.select().column("*").from(BankDebitRecord.table)
                .where("status", .equal, BankDebitStatus.pending.rawValue).where("answers_at", .lessThanOrEqual, bankNow)
                .orderBy("answers_at").orderBy("id").limit(limit).all()
                .map { try $0.decode(model: BankDebitRecord.self, keyDecodingStrategy: ColumnNames.decoding) }
        }
    }
}
