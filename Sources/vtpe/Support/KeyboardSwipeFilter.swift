import CardReaders
import CardReadersUSB
import TerminalUI

/// Between the keyboard and the screen: a keyboard-emulation swipe reader types the tracks into the terminal's
/// window; its keystrokes become a swipe for the engine, and a person's keys go on to the UI as they were (held back
/// for at most the decoder's 40 ms while they could still be a swipe). The decisions are `KeyboardWedgeDecoder`'s;
/// this actor feeds it the keys with their times and performs what it says.
actor KeyboardSwipeFilter {
    private var decoder = KeyboardWedgeDecoder()
    private let start = ContinuousClock.now
    private let forward: @Sendable (UIMessage) -> Void
    private let swiped: @Sendable (CardEvent) async -> Void
    private var flushTimer: Task<Void, Never>?

    init(forward: @escaping @Sendable (UIMessage) -> Void, swiped: @escaping @Sendable (CardEvent) async -> Void) {
        self.forward = forward
        self.swiped = swiped
    }

    private var now: Duration { ContinuousClock.now - start }

    func receive(_ message: UIMessage) async {
        let character: Character
        switch message {
        case .key(.character(let c)): character = c
        case .key(.enter): character = "\r"
        default:
            // Anything else (a click, Esc, Tab) is not a reader's: what is held goes first, as typed.
            await perform(decoder.release())
            forward(message)
            return
        }
        await perform(decoder.key(character, at: now))
        flushTimer?.cancel()
        guard decoder.holding else { return }
        let wait = decoder.maxGap + .milliseconds(5)
        flushTimer = Task { [weak self] in
            guard (try? await Task.sleep(for: wait)) != nil, let self else { return }
            await self.flush()
        }
    }

    private func flush() async {
        await perform(decoder.flush(at: now))
    }

    private func perform(_ outputs: [KeyboardWedgeDecoder.Output]) async {
        for output in outputs {
            switch output {
            case .typed(let keys):
                for key in keys { forward(.key(key == "\r" ? .enter : .character(key))) }
            case .swipe(let swipe):
                await swiped(.cardPresented(swipe.presentation))
            case .badSwipe(let reason):
                await swiped(.readerFailed("keyboard swipe reader: \(reason)"))
            }
        }
    }
}
