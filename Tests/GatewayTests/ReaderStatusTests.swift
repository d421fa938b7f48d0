import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Gateway

/// What a running terminal's heartbeat reports for the fleet: stored, shown as the reader's `vtpe_` fields, checked.
@Suite struct ReaderStatusTests {
    static let beat = "device_sw_version=move5000-vtpe-1.4.0&vtpe_profile=portable&vtpe_firmware_version=move5000-vtpe-1.4.0"
        + "&vtpe_kernel_version=vtpe-emv-1.0&vtpe_battery_level=37&vtpe_battery_charging=false&vtpe_network=flaky&vtpe_printer=out_of_paper"
        + "&vtpe_offline_queue=2&vtpe_open_batch=3&vtpe_open_batch_transactions=14"

    @Test func aHeartbeatsStatusIsShownOnTheReader() async throws {
        try await withGateway { client, _, _ in
            let location = try #require(try await client.post("/v1/terminal/locations", "display_name=Boutique&address[country]=FR").json["id"] as? String)
            let reader = try #require(try await client.post("/v1/terminal/readers", "registration_code=vtpe-portable-T0001&location=\(location)").json["id"] as? String)
            let fresh = try await client.get("/v1/terminal/readers/\(reader)")
            #expect(fresh.json["vtpe_profile"] is NSNull && fresh.json["vtpe_battery_level"] is NSNull)
            let beat = try await client.post("/v1/terminal/readers/\(reader)/vtpe_heartbeat", Self.beat)
            #expect(beat.status == .ok && beat.json["status"] as? String == "online")
            let listed = try #require((try await client.get("/v1/terminal/readers").json["data"] as? [[String: Any]])?.first)
            #expect(listed["vtpe_profile"] as? String == "portable" && listed["vtpe_kernel_version"] as? String == "vtpe-emv-1.0")
            #expect(listed["vtpe_battery_level"] as? Int == 37 && listed["vtpe_battery_charging"] as? Bool == false)
            #expect(listed["vtpe_network"] as? String == "flaky" && listed["vtpe_printer"] as? String == "out_of_paper")
            #expect(listed["vtpe_offline_queue"] as? Int == 2 && listed["vtpe_open_batch"] as? Int == 3 && listed["vtpe_open_batch_transactions"] as? Int == 14)
            // A bare heartbeat (an older terminal) keeps what the last one said.
            #expect(try await client.post("/v1/terminal/readers/\(reader)/vtpe_heartbeat", "device_sw_version=x").status == .ok)
            #expect(try await client.get("/v1/terminal/readers/\(reader)").json["vtpe_network"] as? String == "flaky")
            for (form, param) in [("vtpe_battery_level=101", "vtpe_battery_level"), ("vtpe_network=wifi", "vtpe_network"),
                                  ("vtpe_printer=jammed", "vtpe_printer"), ("vtpe_offline_queue=-1", "vtpe_offline_queue"), ("vtpe_profile=", "vtpe_profile")] {
                let refused = try await client.post("/v1/terminal/readers/\(reader)/vtpe_heartbeat", form)
                #expect(refused.status == .badRequest && refused.error["param"] as? String == param, "\(form)")
            }
        }
    }
}
