import Synchronization

/// A wake-up call between tasks: `ring` wakes everyone waiting, or the next one to wait if nobody waits yet (rings
/// while nobody listens count as one). A waiter also wakes after its time-out and when its task is cancelled.
final class Doorbell: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var rung = false
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
    }

    private let state = Mutex(State())

    func ring() {
        let woken: [Waiter] = state.withLock { s in
            if s.waiters.isEmpty { s.rung = true; return [] }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in woken { waiter.timer?.cancel(); waiter.continuation.resume() }
    }

    /// Waits for a ring (one that came while nobody waited counts) for at most `timeout`.
    func wait(upTo timeout: Duration) async {
        let id = state.withLock { s in defer { s.nextID += 1 }; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now: Bool = state.withLock { s in
                    if s.rung || Task.isCancelled { s.rung = false; return true }
                    s.waiters[id] = Waiter(continuation: continuation)
                    return false
                }
                if now { continuation.resume(); return }
                // The timer starts once the waiter is in place, so it cannot fire before there is one to wake.
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.wake(id)
                }
                let gone = state.withLock { s in
                    guard s.waiters[id] != nil else { return true }
                    s.waiters[id]?.timer = timer
                    return false
                }
                if gone { timer.cancel() }
            }
        } onCancel: { wake(id) }
    }

    /// Resumes one waiter, if it still waits (its time-out, its cancellation).
    private func wake(_ id: Int) {
        let waiter = state.withLock { s in s.waiters.removeValue(forKey: id) }
        waiter?.timer?.cancel()
        waiter?.continuation.resume()
    }
}
