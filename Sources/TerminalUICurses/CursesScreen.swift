import CNcurses
import Foundation
import Synchronization
import TerminalUI

/// The real terminal window, through ncurses. Every ncurses call happens on one dedicated thread; the rest of
/// the program talks to it through `show(_:)` and the `input` stream.
///
/// The thread sleeps in `poll(2)` on the keyboard and on a wake-up pipe: it wakes when a key (or a mouse click, or
/// a resize's SIGWINCH) arrives or when a screen is given to draw, and at no other time — an idle terminal costs
/// no CPU.
public final class CursesScreen: Sendable {
    /// Keys, clicks and resizes read from the window, in order.
    public let input: AsyncStream<UIMessage>
    private let inputContinuation: AsyncStream<UIMessage>.Continuation
    /// The next buffer to draw and the stop flag, shared with the ncurses thread.
    private let shared = Mutex<(pending: ScreenBuffer?, stop: Bool)>((nil, false))
    private let started = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let running = Mutex<Bool>(false)
    private let initialSize = Mutex<ScreenSize>(ScreenSize(columns: 80, rows: 24))
    /// The wake-up pipe: [read end, write end].
    private let wake: (read: Int32, write: Int32)
    /// What the window can show, decided when ncurses starts.
    private let capabilities = Mutex<Capabilities>(Capabilities(colors: false, utf8: true))

    struct Capabilities {
        var colors: Bool
        var utf8: Bool
    }

    public init() {
        (input, inputContinuation) = AsyncStream.makeStream(of: UIMessage.self)
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        } else {
            fds = [-1, -1]
        }
        wake = (fds[0], fds[1])
    }

    deinit {
        if wake.read >= 0 { close(wake.read) }
        if wake.write >= 0 { close(wake.write) }
    }

    /// Starts ncurses on its own thread and returns the window size.
    public func start() -> ScreenSize {
        running.withLock { $0 = true }
        let thread = Thread { [self] in self.run() }
        thread.name = "ncurses"
        thread.start()
        started.wait()
        return initialSize.withLock { $0 }
    }

    /// Schedules a screen to be drawn (the newest wins).
    public func show(_ buffer: ScreenBuffer) {
        shared.withLock { $0.pending = buffer }
        poke()
    }

    /// Restores the terminal; returns once ncurses has ended.
    public func stop() {
        guard running.withLock({ $0 }) else { return }
        shared.withLock { $0.stop = true }
        poke()
        stopped.wait()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func run() {
        vtpe_set_locale()
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(vtpe_stdscr(), true)
        nodelay(vtpe_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        vtpe_enable_mouse()
        WindowResizeWakeup.install(writingTo: wake.write)
        let environment = ProcessInfo.processInfo.environment
        // NO_COLOR (no-color.org): any non-empty value turns colours off.
        let colors = has_colors() && (environment["NO_COLOR"] ?? "").isEmpty
        if colors { Self.startColors() }
        let term = environment["TERM"] ?? ""
        let utf8 = vtpe_locale_is_utf8() != 0 && !term.hasPrefix("vt") && term != "dumb"
        capabilities.withLock { $0 = Capabilities(colors: colors, utf8: utf8) }
        initialSize.withLock { $0 = ScreenSize(columns: Int(vtpe_cols()), rows: Int(vtpe_lines())) }
        started.signal()
        while true {
            let (buffer, stop) = shared.withLock { state -> (ScreenBuffer?, Bool) in
                defer { state.pending = nil }
                return (state.pending, state.stop)
            }
            if stop { break }
            if let buffer { draw(buffer) }
            // Everything the keyboard has, then sleep until more comes or a screen is given.
            while true {
                let ch = getch()
                if ch == vtpe_err() { break }
                if let message = Self.translate(ch) { inputContinuation.yield(message) }
            }
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            // EINTR (SIGWINCH) is fine: getch then reports the resize. The one-second time-out is the safety net
            // for a resize whose signal never reached ncurses: the size is read from the terminal and compared.
            if poll(&fds, 2, 1000) == 0 { checkSize() }
            if fds[1].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wake.read, &drain, drain.count) > 0 {}
            }
        }
        WindowResizeWakeup.uninstall()
        endwin()
        inputContinuation.finish()
        running.withLock { $0 = false }
        stopped.signal()
    }

    /// A window whose size changed without ncurses hearing of it: ncurses is told, and so is the UI.
    private func checkSize() {
        var rows: Int32 = 0, columns: Int32 = 0
        guard vtpe_window_size(&rows, &columns) != 0, rows != vtpe_lines() || columns != vtpe_cols() else { return }
        resize_term(rows, columns)
        inputContinuation.yield(.resized(ScreenSize(columns: Int(columns), rows: Int(rows))))
    }

    /// The pairs behind `Palette`, over the terminal's default colours.
    private static func startColors() {
        start_color()
        use_default_colors()
        for palette in Palette.allCases {
            let (fg, bg): (Int32, Int32) = switch palette {
            case .plain: (-1, -1)
            case .green: (COLOR_GREEN, -1)
            case .red: (COLOR_RED, -1)
            case .yellow: (COLOR_YELLOW, -1)
            case .paper: (COLOR_BLACK, COLOR_WHITE)
            case .display: (COLOR_WHITE, COLOR_BLUE)
            case .status: (COLOR_BLUE, COLOR_WHITE)
            }
            init_pair(Int16(pairNumber(palette)), Int16(fg), Int16(bg))
        }
    }

    private static func pairNumber(_ palette: Palette) -> Int { Palette.allCases.firstIndex(of: palette)! + 1 }

    private func draw(_ given: ScreenBuffer) {
        let caps = capabilities.withLock { $0 }
        let buffer = caps.utf8 ? given : given.asciiFolded()
        erase()
        let rows = min(buffer.size.rows, Int(vtpe_lines()))
        let columns = Int(vtpe_cols())
        for r in 0..<rows {
            var c = 0
            let chars = buffer.characters[r]
            let styles = buffer.styles[r]
            while c < min(chars.count, columns) {
                // Draw runs of one style with a single call.
                let style = styles[c]
                var end = c
                while end < chars.count, end < columns, styles[end] == style { end += 1 }
                // The last cell of the last row would scroll the window: leave it out.
                if r == rows - 1, end == columns { end -= 1 }
                guard end > c else { break }
                _ = vtpe_attrset(Self.attribute(style, colors: caps.colors))
                _ = mvaddstr(Int32(r), Int32(c), String(chars[c..<end]))
                c = end
            }
        }
        _ = vtpe_attrset(vtpe_a_normal())
        refresh()
    }

    /// A cell style as curses attributes: its colour pair when the terminal has colours, attributes alone when not.
    static func attribute(_ style: CellStyle, colors: Bool) -> attr_t {
        var a = vtpe_a_normal()
        if style.bold { a |= vtpe_a_bold() }
        if style.dim { a |= vtpe_a_dim() }
        switch style.palette {
        case .plain:
            if style.reverse { a |= vtpe_a_reverse() }
        case .green, .red, .yellow:
            if style.reverse { a |= vtpe_a_reverse() }
            if colors { a |= vtpe_color_pair(Int16(pairNumber(style.palette))) }
        case .paper, .display, .status:
            // These pairs carry their own background: reversing them would swap it away.
            if colors { a |= vtpe_color_pair(Int16(pairNumber(style.palette))) } else if style.reverse { a |= vtpe_a_reverse() }
        }
        return a
    }

    /// ncurses key code → UI message.
    static func translate(_ ch: Int32) -> UIMessage? {
        switch ch {
        case vtpe_key_resize(): return .resized(ScreenSize(columns: Int(vtpe_cols()), rows: Int(vtpe_lines())))
        case vtpe_key_mouse():
            var row: Int32 = 0, column: Int32 = 0
            return vtpe_mouse_click(&row, &column) != 0 ? .click(row: Int(row), column: Int(column)) : nil
        case vtpe_key_backspace(), 127, 8: return .key(.backspace)
        case vtpe_key_enter(), 10, 13: return .key(.enter)
        case 9, vtpe_key_btab(): return .key(.tab)
        case 27: return .key(.escape)
        case 32...126: return .key(.character(Character(UnicodeScalar(UInt8(ch)))))
        default: return nil
        }
    }
}

/// SIGWINCH reaches whichever thread the kernel picks, often not the ncurses thread asleep in `poll(2)`. This
/// handler, chained in front of ncurses' own (which notes the resize for `getch`), also writes a byte to the
/// wake-up pipe, so the ncurses thread wakes and reads KEY_RESIZE at once. Written by hand: no library wraps it.
enum WindowResizeWakeup {
    nonisolated(unsafe) static var fd: Int32 = -1
    nonisolated(unsafe) static var previous = sigaction()
    nonisolated(unsafe) static var installed = false

    static func install(writingTo fd: Int32) {
        guard !installed else { return }
        Self.fd = fd
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte: UInt8 = 2
            _ = write(WindowResizeWakeup.fd, &byte, 1)
            // ncurses' handler (installed by initscr) records the resize for getch.
            if let next = WindowResizeWakeup.previous.__sigaction_handler.sa_handler,
               unsafeBitCast(next, to: Int.self) != unsafeBitCast(SIG_DFL, to: Int.self),
               unsafeBitCast(next, to: Int.self) != unsafeBitCast(SIG_IGN, to: Int.self) {
                next(signal)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        if sigaction(SIGWINCH, &action, &previous) == 0 { installed = true }
    }

    static func uninstall() {
        guard installed else { return }
        _ = sigaction(SIGWINCH, &previous, nil)
        installed = false
    }
}
