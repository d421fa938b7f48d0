import Foundation
import Hummingbird

/// vtpe: `GET /v1/vtpe/reports/summary?from&to&group_by=channel|terminal|location|currency|brand` — gross, refunds,
/// fees, net, count and approval rate of online and card-present payments together, from the one ledger
/// (docs/api.md "Reports").
struct ReportRoutes {
    let store: any PaymentStore

    func register(on api: RouterGroup<GatewayContext>) {
        api.get("vtpe/reports/summary") { request, _ -> Response in
            var params = try FormParams(query: request)
            let now = Int64(Date().timeIntervalSince1970)
            let from = try params.integer("from", range: 0...Int64(Int32.max) * 2) ?? 0
            let to = try params.integer("to", range: 0...Int64(Int32.max) * 2) ?? now + 1
            guard from < to else { throw APIError.invalidRequest("Invalid to: must be after from (\(from)).", param: "to") }
            let grouping = try params.choice("group_by", ReportGrouping.self,
                                             allowed: "one of " + ReportGrouping.allCases.map(\.rawValue).joined(separator: ", ")) ?? .currency
            try params.rejectUnknown()
            let groups = ReportSummary.merge(try await store.reportTotals(from: from, to: to, groupBy: grouping))
            return .json(.object([
                ("object", "vtpe.report_summary"),
                ("from", .int(from)),
                ("to", .int(to)),
                ("group_by", .string(grouping.rawValue)),
                ("data", .array(groups.map { ReportSummary.render($0, grouped: true) })),
                ("totals", .array(ReportSummary.totals(groups).map { ReportSummary.render($0, grouped: false) })),
            ]))
        }
    }
}
