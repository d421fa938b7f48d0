import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gives the kernel back the machine code the terminal loaded but does not run.
///
/// Most of a running terminal's resident memory is code: the `vtpe` binary carries the gateway (Hummingbird,
/// PostgresNIO, SQLKit …), and Foundation brings ICU. Each page fault on code also maps the page's neighbours
/// (the kernel's fault-around, 64 KiB), so code spread thin over a large text segment stays resident although it is
/// never run again. Once the screen is up, `trim` marks every executable file mapping for random access — no more
/// fault-around — and drops its pages from this process's page tables. The pages stay in the page cache: what the
/// terminal runs afterwards faults back in, one page at a time (microseconds, no disk). Only read-only executable
/// mappings are touched: their contents are the file's, so nothing is lost; written pages (data, relocations) are
/// never dropped.
///
/// Written by hand (no library does it): it is a few system calls over `/proc/self/maps`.
enum WorkingSet {
    /// The executable file mappings of this process: start address and length.
    static func codeMappings() -> [(start: UInt, length: Int)] {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return [] }
        var out: [(UInt, Int)] = []
        for line in maps.split(separator: "\n") {
            // "7f12a000-7f12c000 r-xp 00000000 08:01 1234   /usr/lib/libfoo.so"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[4] != "0", fields[1] == "r-xp" else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start else { continue }
            out.append((start, Int(end - start)))
        }
        return out
    }

    /// Drops the code pages from the page tables; returns how many bytes of mappings were trimmed.
    @discardableResult
    static func trim() -> Int {
        #if os(Linux)
        var trimmed = 0
        for (start, length) in codeMappings() {
            guard let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            // Read-only and executable: the file's bytes, never written — dropping them loses nothing. (Read-only
            // data is left alone: relocated data is written once, and dropping it would lose the relocations;
            // MADV_PAGEOUT on it freed nothing measurable, its pages being shared with the gateway's process.)
            guard madvise(address, length, MADV_RANDOM) == 0 else { continue }
            if madvise(address, length, MADV_DONTNEED) == 0 { trimmed += length }
        }
        return trimmed
        #else
        return 0
        #endif
    }
}
