import Foundation
import Hummingbird

/// `/v1/disputes`: retrieve and list (SEPA and card disputes), and for card disputes the shop's answer —
/// `POST /v1/disputes/:id` (`evidence[…]`, `metadata`, `submit`) and `POST /v1/disputes/:id/close` (accept).
struct DisputeRoutes {
    let store: any PaymentStore

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        objects.retrieve(DisputeRecord.self, on: api, path: "disputes", render: Render.dispute)
        objects.list(DisputeRecord.self, on: api, path: "disputes", filters: ["charge", "payment_intent"], render: Render.dispute)
        api.post("disputes/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            var evidence: [String: String] = [:]
            for field in CardDisputes.evidenceFields {
                guard let text = try params.string("evidence", field) else { continue }
                guard text.count <= 20_000 else {
                    throw APIError.invalidRequest("Invalid evidence[\(field)]: at most 20,000 characters.", param: "evidence[\(field)]")
                }
                evidence[field] = text
            }
            let submit = try params.bool("submit") ?? true
            let metadata = try params.metadata("metadata")
            try params.rejectUnknown()
            let dispute = try await store.retryingConflicts {
                let read = try await existing(id)
                let step = try await Self.refusing { try CardDisputes.respond(read, evidence: evidence, submit: submit, metadata: metadata,
                                                                        now: Int64(Date().timeIntervalSince1970)) }
                try await store.commit(step.writes + EventOutbox.writes(step.events, now: Int64(Date().timeIntervalSince1970)))
                return step.dispute
            }
            return .json(try await objects.expander.expand(Render.dispute(dispute), expand))
        }
        api.post("disputes/:id/close") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            try params.rejectUnknown()
            let dispute = try await store.retryingConflicts {
                let step = try await Self.refusing { try CardDisputes.close(try await existing(id)) }
                try await store.commit(step.writes + EventOutbox.writes(step.events, now: Int64(Date().timeIntervalSince1970)))
                return step.dispute
            }
            return .json(try await objects.expander.expand(Render.dispute(dispute), expand))
        }
    }

    private func existing(_ id: String) async throws -> DisputeRecord {
        guard let dispute = try await store.find(DisputeRecord.self, id: id) else { throw APIError.missing("dispute", id: id) }
        return dispute
    }

    /// The lifecycle's refusals in Stripe's words.
    private static func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refusal as CardDisputes.Refusal {
            switch refusal {
            case .closed(let status):
                throw APIError.invalidRequest("This dispute is already closed (\(status.rawValue)): it can no longer be changed.", param: "id")
            case .underReview:
                throw APIError.invalidRequest("This dispute's evidence was submitted and is under review: it can no longer be changed.", param: "evidence")
            case .sepa:
                throw APIError.invalidRequest("A SEPA Direct Debit dispute cannot be contested: the bank has already returned the funds.", param: "id")
            case .evidenceTooLong:
                throw APIError.invalidRequest("Invalid evidence: all of its text together must be at most \(CardDisputes.maxEvidenceCharacters) characters.",
                                              param: "evidence")
            }
        }
    }
}
