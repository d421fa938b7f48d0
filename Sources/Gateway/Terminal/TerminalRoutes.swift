import Foundation
import Hummingbird
import PaymentCrypto

/// `/v1/terminal/locations`, `/v1/terminal/connection_tokens` and `/v1/terminal/readers` (register, retrieve,
/// update, delete, list, and vtpe's heartbeat).
///
/// Registration codes: `simulated-wpe` registers a simulated reader, as in Stripe; a vtpe terminal registers itself
/// with `vtpe-<profile id>-<serial>` (its firmware profile becomes `device_type`) and then sends heartbeats, which
/// keep it `online`.
struct TerminalRoutes {
    let store: any PaymentStore
    let vault: CardVault

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)

        // Locations.
        api.post("terminal/locations") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            var location = LocationRecord(id: ObjectID.make("tml"), displayName: "", address: "{}", metadata: "{}",
                                          created: Self.now, deleted: false)
            try Self.apply(&params, to: &location, creating: true)
            try await store.commit([.insert(location)])
            return .json(Render.location(location))
        }
        api.post("terminal/locations/:id") { request, context -> Response in
            var location = try await existingLocation(try context.parameters.require("id"))
            var params = try await GatewayApp.formParams(request, context: context)
            try Self.apply(&params, to: &location, creating: false)
            try await store.commit([.update(location, expecting: nil)])
            return .json(Render.location(location))
        }
        api.delete("terminal/locations/:id") { _, context -> Response in
            var location = try await existingLocation(try context.parameters.require("id"))
            location.deleted = true
            try await store.commit([.update(location, expecting: nil)])
            return .json(Render.deleted(location.id, object: "terminal.location"))
        }
        objects.retrieve(LocationRecord.self, on: api, path: "terminal/locations", render: Render.location)
        objects.list(LocationRecord.self, on: api, path: "terminal/locations", filters: [], render: Render.location)

        // Connection tokens: what a reader SDK connects with; here a random secret tied to a location.
        api.post("terminal/connection_tokens") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let location = try params.string("location")
            try params.rejectUnknown()
            if let location { _ = try await existingLocation(location, param: "location") }
            return .json(.object([("object", "terminal.connection_token"), ("location", .string(location)),
                                  ("secret", .string("pst_test_" + ObjectID.random(length: 40)))]))
        }

        // Readers.
        api.post("terminal/readers") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let code = try params.requiredString("registration_code")
            let locationID = try params.requiredString("location")
            let label = try params.string("label")
            let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }
            let version = try params.string("vtpe_device_sw_version")
            params.allow("expand")
            try params.rejectUnknown()
            let (deviceType, serial) = try Self.parse(registrationCode: code)
            _ = try await existingLocation(locationID, param: "location")
            let id = ObjectID.make("tmr")
            let reader = ReaderRecord(
                id: id, label: label ?? "\(deviceType) \(serial)", location: locationID, deviceType: deviceType,
                serialNumber: serial, deviceSwVersion: version, ipAddress: nil, lastSeenAt: nil, action: nil,
                metadata: metadata.jsonText, created: Self.now, deleted: false, actionVersion: 0, presentedCard: nil)
            try await store.commit([.insert(reader)])
            return .json(Render.reader(reader, now: Self.now))
        }
        api.post("terminal/readers/:id") { request, context -> Response in
            var reader = try await existingReader(try context.parameters.require("id"))
            var params = try await GatewayApp.formParams(request, context: context)
            if let label = try params.string("label") {
                guard !label.isEmpty, label.count <= 100 else { throw APIError.invalidRequest("Invalid label: 1 to 100 characters.", param: "label") }
                reader.label = label
            }
            if let updates = try params.metadata("metadata") {
                reader.metadata = try Metadata.merge(updates, into: reader.metadata, clear: params.has("metadata") && updates.isEmpty)
            }
            params.allow("expand")
            try params.rejectUnknown()
            try await store.commit([.update(reader, expecting: nil)])
            return .json(Render.reader(reader, now: Self.now))
        }
        // vtpe: a running terminal's heartbeat keeps its reader online and reports its software version and address.
        api.post("terminal/readers/:id/vtpe_heartbeat") { request, context -> Response in
            var reader = try await existingReader(try context.parameters.require("id"))
            var params = try await GatewayApp.formParams(request, context: context)
            if let version = try params.string("device_sw_version") { reader.deviceSwVersion = version }
            if let address = try params.string("ip_address") { reader.ipAddress = address }
            if let status = try ReaderStatusFields.parse(&params) { reader.vtpeStatus = status.compactText }
            try params.rejectUnknown()
            reader.lastSeenAt = Self.now
            try await store.commit([.update(reader, expecting: nil)])
            return .json(Render.reader(reader, now: Self.now))
        }
        // vtpe: loads a reader with DUKPT keys under its location's BDK (a new initial key and KSN each call).
        api.post("terminal/readers/:id/vtpe_key_injection") { request, context -> Response in
            let reader = try await existingReader(try context.parameters.require("id"))
            var params = try await GatewayApp.formParams(request, context: context)
            let text = try params.string("key_scheme") ?? DUKPTScheme.aes.rawValue
            try params.rejectUnknown()
            guard let scheme = DUKPTScheme(rawValue: text) else {
                throw APIError.invalidRequest("Invalid key_scheme: must be aes_dukpt or tdes_dukpt.", param: "key_scheme")
            }
            return .json(try await TerminalKeys(store: store, vault: vault).inject(reader: reader, scheme: scheme))
        }
        api.delete("terminal/readers/:id") { _, context -> Response in
            var reader = try await existingReader(try context.parameters.require("id"))
            reader.deleted = true
            try await store.commit([.update(reader, expecting: nil)])
            return .json(Render.deleted(reader.id, object: "terminal.reader"))
        }
        objects.retrieve(ReaderRecord.self, on: api, path: "terminal/readers") { Render.reader($0, now: Self.now) }
        api.get("terminal/readers") { request, _ -> Response in
            var params = try FormParams(query: request)
            var filters: [String: String] = [:]
            for name in ["location", "device_type", "serial_number"] {
                if let v = try params.string(name) { filters[name] = v }
            }
            let status = try params.string("status")
            if let status, !["online", "offline"].contains(status) {
                throw APIError.invalidRequest("Invalid status: must be online or offline.", param: "status")
            }
            let page = try ListParameters.page(&params, filters: filters)
            let expand = try params.stringList("expand") ?? []
            try params.rejectUnknown()
            let result = try await store.list(ReaderRecord.self, page)
            let now = Self.now
            // Status follows from the heartbeat's age, so it filters the page rather than the query.
            let readers = result.items.filter { status == nil || $0.status(now: now) == status }
            let envelope = ListParameters.envelope(url: "/v1/terminal/readers", hasMore: result.hasMore, data: readers.map { Render.reader($0, now: now) })
            return .json(try await Expander(store: store).expand(envelope, expand))
        }
    }

    /// `simulated-wpe` → a simulated WisePOS E; `vtpe-<profile>-<serial>` → a vtpe terminal of that profile.
    static func parse(registrationCode code: String) throws(APIError) -> (deviceType: String, serial: String) {
        if code == "simulated-wpe" { return ("simulated_wisepos_e", "SIMULATOR-" + ObjectID.random(length: 8).uppercased()) }
        let invalid = APIError.invalidRequest("Invalid registration_code: use the code a vtpe terminal shows (vtpe-<profile>-<serial>) or simulated-wpe.",
                                              param: "registration_code", code: "resource_missing")
        // Profile ids may contain dashes, serials do not: the serial follows the last dash.
        guard code.hasPrefix("vtpe-"), let last = code.lastIndex(of: "-"), code.distance(from: code.startIndex, to: last) > 4, code.count <= 100,
              code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { throw invalid }
        let profile = code[code.index(code.startIndex, offsetBy: 5)..<last]
        let serial = code[code.index(after: last)...]
        guard !profile.isEmpty, !serial.isEmpty, !profile.hasPrefix("-") else { throw invalid }
        return (String(profile), String(serial))
    }

    static func apply(_ params: inout FormParams, to location: inout LocationRecord, creating: Bool) throws(APIError) {
        if let name = try params.string("display_name") {
            guard !name.isEmpty, name.count <= 1000 else { throw APIError.invalidRequest("Invalid display_name: 1 to 1000 characters.", param: "display_name") }
            location.displayName = name
        } else if creating {
            throw APIError.invalidRequest("Missing required param: display_name.", param: "display_name")
        }
        if params.has("address") {
            var address: [(String, JSONValue)] = []
            for field in ["city", "country", "line1", "line2", "postal_code", "state"] {
                address.append((field, .string(try params.string("address", field))))
            }
            guard case .string(let country)? = address.first(where: { $0.0 == "country" })?.1, country.count == 2 else {
                throw APIError.invalidRequest("Missing required param: address[country] (two-letter ISO code).", param: "address[country]")
            }
            location.address = JSONValue.object(address).compactText
        } else if creating {
            throw APIError.invalidRequest("Missing required param: address.", param: "address")
        }
        if let updates = try params.metadata("metadata") {
            location.metadata = try Metadata.merge(updates, into: location.metadata, clear: params.has("metadata") && updates.isEmpty)
        }
        params.allow("expand", "configuration_overrides")
        try params.rejectUnknown()
    }

    private func existingLocation(_ id: String, param: String = "id") async throws -> LocationRecord {
        guard let location = try await store.find(LocationRecord.self, id: id), !location.deleted else {
            throw APIError.missing("terminal.location", id: id, param: param)
        }
        return location
    }

    func existingReader(_ id: String) async throws -> ReaderRecord {
        guard let reader = try await store.find(ReaderRecord.self, id: id), !reader.deleted else {
            throw APIError.missing("terminal.reader", id: id)
        }
        return reader
    }
}
