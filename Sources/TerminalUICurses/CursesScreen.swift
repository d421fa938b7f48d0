import CNcurses
import Foundation
import Synchronization
import TerminalUI

/// The real terminal window, through ncurses. Every ncurses call happens on one dedicated thread; the rest of
/// the program talks to it through `show(_:)` and the `keys` stream.
public final class CursesScreen: Sendable {
    /// Keys read from the window, and resizes, in order.
    public let input: AsyncStream<UIMessage>
    private let inputContinuation: AsyncStream<UIMessage>.Continuation
    /// The next buffer to draw and the stop flag, shared with the ncurses thread.
    private let shared = Mutex<(pending: ScreenBuffer?, stop: Bool)>((nil, false))
    private let stopped = Mutex<Bool>(false)
    private let started = DispatchSemaphore(value: 0)
    private let initialSize = Mutex<ScreenSize>(ScreenSize(columns: 80, rows: 24))

    public init() {
        (input, inputContinuation) = AsyncStream.makeStream(of: UIMessage.self)
    }

    /// Starts ncurses on its own thread and returns the window size.
    public func start() -> ScreenSize {
        let thread = Thread { [self] in self.run() }
        thread.name = "ncurses"
        thread.start()
        started.wait()
        return initialSize.withLock { $0 }
    }

    /// Schedules a screen to be drawn (the newest wins).
    public func show(_ buffer: ScreenBuffer) {
        shared.withLock { $0.pending = buffer }
    }

    /// Restores the terminal; waits until ncurses has ended.
    public func stop() {
        shared.withLock { $0.stop = true }
        while !stopped.withLock({ $0 }) { usleep(10_000) }
    }

    private func run() {
        vtpe_set_locale()
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(vtpe_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        timeout(30)
        initialSize.withLock { $0 = ScreenSize(columns: Int(vtpe_cols()), rows: Int(vtpe_lines())) }
        started.signal()
        while true {
            let (buffer, stop) = shared.withLock { state -> (ScreenBuffer?, Bool) in
                defer { state.pending = nil }
                return (state.pending, state.stop)
            }
            if stop { break }
            if let buffer { draw(buffer) }
            let ch = getch()
            if ch == vtpe_err() { continue }
            if let message = Self.translate(ch) { inputContinuation.yield(message) }
        }
        endwin()
        inputContinuation.finish()
        stopped.withLock { $0 = true }
    }

    private func draw(_ buffer: ScreenBuffer) {
        erase()
        let rows = min(buffer.size.rows, Int(vtpe_lines()))
        for r in 0..<rows {
            var c = 0
            let chars = buffer.characters[r]
            let styles = buffer.styles[r]
            while c < min(chars.count, Int(vtpe_cols())) {
                // Draw runs of one style with a single call.
                let style = styles[c]
                var end = c
                while end < chars.count, end < Int(vtpe_cols()), styles[end] == style { end += 1 }
                // The last cell of the last row would scroll the window: leave it out.
                if r == rows - 1, end == Int(vtpe_cols()) { end -= 1 }
                guard end > c else { break }
                _ = vtpe_attrset(Self.attribute(style))
                _ = mvaddstr(Int32(r), Int32(c), String(chars[c..<end]))
                c = end
            }
        }
        _ = vtpe_attrset(vtpe_a_normal())
        refresh()
    }

    private static func attribute(_ style: CellStyle) -> attr_t {
        switch style {
        case .normal: vtpe_a_normal()
        case .bold: vtpe_a_bold()
        case .reverse: vtpe_a_reverse()
        case .dim: vtpe_a_normal()
        }
    }

    /// ncurses key code → UI message.
    static func translate(_ ch: Int32) -> UIMessage? {
        switch ch {
        case vtpe_key_resize(): return .resized(ScreenSize(columns: Int(vtpe_cols()), rows: Int(vtpe_lines())))
        case vtpe_key_backspace(), 127, 8: return .key(.backspace)
        case vtpe_key_enter(), 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 32...126: return .key(.character(Character(UnicodeScalar(UInt8(ch)))))
        default: return nil
        }
    }
}
