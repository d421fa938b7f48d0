/// Helpers shared by the test targets (test-only; never linked into vtpe).

/// Everything a value shows of itself: `description`, `String(reflecting:)` and `dump` — for masking checks.
public func renderings(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return ["\(value)", String(reflecting: value), dumped]
}
