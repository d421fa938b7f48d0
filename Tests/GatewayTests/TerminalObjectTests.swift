import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Gateway

/// Terminal locations, connection tokens and readers (issue 5's gateway objects), on every SQL engine.
@Suite struct TerminalObjectTests {
    static let address = "address[line1]=1+Rue+de+Rivoli&address[city]=Paris&address[postal_code]=75001&address[country]=FR"

    @Test(arguments: StoreEngine.all) func locationsReadersAndTokens(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let created = try await client.post("/v1/terminal/locations", "display_name=Shop+Rivoli&\(Self.address)&metadata[store]=12")
            #expect(created.status == .ok)
            let location = try #require(created.json["id"] as? String)
            #expect(location.hasPrefix("tml_") && created.json["object"] as? String == "terminal.location")
            #expect((created.json["address"] as? [String: Any])?["city"] as? String == "Paris")
            #expect(created.json["metadata"] as? [String: String] == ["store": "12"])

            let token = try await client.post("/v1/terminal/connection_tokens", "location=\(location)")
            #expect((token.json["secret"] as? String)?.hasPrefix("pst_test_") == true)
            #expect(token.json["object"] as? String == "terminal.connection_token")

            let reader = try await client.post("/v1/terminal/readers", "registration_code=vtpe-countertop-T0001&location=\(location)&label=Till+1")
            #expect(reader.status == .ok)
            let readerID = try #require(reader.json["id"] as? String)
            #expect(readerID.hasPrefix("tmr_"))
            #expect(reader.json["device_type"] as? String == "countertop")
            #expect(reader.json["serial_number"] as? String == "T0001")
            #expect(reader.json["status"] as? String == "offline")
            #expect(reader.json["action"] is NSNull)

            let beat = try await client.post("/v1/terminal/readers/\(readerID)/vtpe_heartbeat", "device_sw_version=vtpe-0.4&ip_address=127.0.0.1")
            #expect(beat.json["status"] as? String == "online")
            #expect(beat.json["device_sw_version"] as? String == "vtpe-0.4")
            #expect((beat.json["last_seen_at"] as? Int).map { $0 > 0 } == true)

            let simulated = try await client.post("/v1/terminal/readers", "registration_code=simulated-wpe&location=\(location)")
            #expect(simulated.json["device_type"] as? String == "simulated_wisepos_e")
            #expect(simulated.json["status"] as? String == "online")

            let online = try await client.get("/v1/terminal/readers?location=\(location)&status=online")
            #expect((online.json["data"] as? [[String: Any]])?.count == 2)
            let countertops = try await client.get("/v1/terminal/readers?device_type=countertop&expand[]=data.location")
            let first = try #require((countertops.json["data"] as? [[String: Any]])?.first)
            #expect((first["location"] as? [String: Any])?["display_name"] as? String == "Shop Rivoli")

            let relabeled = try await client.post("/v1/terminal/readers/\(readerID)", "label=Front+till")
            #expect(relabeled.json["label"] as? String == "Front till")
            let deleted = try await client.execute(uri: "/v1/terminal/readers/\(readerID)", method: .delete, headers: [.authorization: "Bearer \(testKey)"])
            #expect(deleted.json["deleted"] as? Bool == true)
            let gone = try await client.get("/v1/terminal/readers/\(readerID)")
            #expect(gone.status == .notFound)
            let renamed = try await client.post("/v1/terminal/locations/\(location)", "display_name=Rivoli")
            #expect(renamed.json["display_name"] as? String == "Rivoli")
            let locations = try await client.get("/v1/terminal/locations")
            #expect((locations.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [location])
        }
    }

    @Test func badRegistrationsAreRefused() async throws {
        try await withGateway { client, _, _ in
            let location = try await client.post("/v1/terminal/locations", "display_name=Shop&\(Self.address)").json["id"] as! String
            for code in ["", "nope", "vtpe", "vtpe-", "vtpe-countertop", "vtpe--T1", "vtpe-countertop-", "vtpe-count ertop-T1"] {
                let r = try await client.post("/v1/terminal/readers", "registration_code=\(code)&location=\(location)")
                #expect(r.status.code == 400, "\(code)")
                #expect(r.error["param"] as? String == "registration_code", "\(code)")
            }
            // Profile ids may have dashes; the serial is what follows the last one.
            let dashed = try await client.post("/v1/terminal/readers", "registration_code=vtpe-legacy-tdes-T9&location=\(location)")
            #expect(dashed.json["device_type"] as? String == "legacy-tdes" && dashed.json["serial_number"] as? String == "T9")
            let noLocation = try await client.post("/v1/terminal/readers", "registration_code=simulated-wpe&location=tml_nope")
            #expect(noLocation.status == .notFound && noLocation.error["param"] as? String == "location")
            let noAddress = try await client.post("/v1/terminal/locations", "display_name=Shop")
            #expect(noAddress.error["param"] as? String == "address")
            let badCountry = try await client.post("/v1/terminal/locations", "display_name=Shop&address[city]=Paris")
            #expect(badCountry.error["param"] as? String == "address[country]")
            let badStatus = try await client.get("/v1/terminal/readers?status=asleep")
            #expect(badStatus.error["param"] as? String == "status")
        }
    }
}
