/// Stripe's metadata update rules: keys set to "" are removed, others replaced; an empty `metadata` clears all;
/// at most 50 keys.
enum Metadata {
    static let maxKeys = 50

    /// `updates` applied to the stored metadata `text` (cleared first when `clear`).
    static func merged(_ updates: [String: String], into text: String, clear: Bool) -> [String: String] {
        var current = clear ? [:] : [String: String](jsonText: text)
        for (k, v) in updates { current[k] = v.isEmpty ? nil : v }
        return current
    }

    /// The same as stored text, for the objects whose routes check it themselves.
    static func merge(_ updates: [String: String], into text: String, clear: Bool) throws(APIError) -> String {
        let current = merged(updates, into: text, clear: clear)
        guard current.count <= maxKeys else { throw APIError.invalidRequest("Invalid metadata: must have at most 50 keys.", param: "metadata") }
        return current.jsonText
    }
}
