import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOHTTP1

/// The gateway's API for the commands that talk to it as a shop's server does (`vtpe listen`, `vtpe trigger`): form
/// requests with the secret key, JSON answers, and errors a person can act on.
struct GatewayAPI: Sendable {
    let baseURL: String
    let apiKey: String

    init(baseURL: String, apiKey: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
    }

    struct Answer {
        var status: Int
        var json: JSONValue
    }

    func get(_ path: String) async throws -> Answer { try await send(.GET, path, form: "") }
    func post(_ path: String, _ form: String) async throws -> Answer { try await send(.POST, path, form: form) }
    func delete(_ path: String) async throws -> Answer { try await send(.DELETE, path, form: "") }

    /// One request; a 401 or an unreachable gateway is a `CLIError` saying so.
    func send(_ method: HTTPMethod, _ path: String, form: String) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "User-Agent", value: "vtpe")
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        } catch {
            throw CLIError("the gateway at \(baseURL) does not answer (\(error)); start it with `vtpe gateway` or pass --gateway URL")
        }
        let body = try await response.body.collect(upTo: 32 << 20)
        let text = String(buffer: body)
        if response.status == .unauthorized { throw CLIError("the gateway at \(baseURL) refused the API key (pass --api-key or set VTPE_API_KEY)") }
        guard let json = JSONValue(jsonText: text) else {
            throw CLIError("the gateway at \(baseURL) answered \(response.status.code) with something that is not JSON: \(text.prefix(120))")
        }
        return Answer(status: Int(response.status.code), json: json)
    }

    /// `error.message` of an error answer, for messages.
    static func message(_ answer: Answer) -> String {
        if case .string(let message)? = answer.json["error"]?["message"] { return message }
        return "HTTP \(answer.status)"
    }
}
