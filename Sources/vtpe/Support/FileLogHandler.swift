import Foundation
import Logging
import Synchronization

/// Appends log lines to a file. swift-log ships handlers for stdout/stderr only, and the terminal owns the
/// screen, so its logs (and the embedded gateway's) go to `<data-dir>/vtpe.log`.
struct FileLogHandler: LogHandler {
    private let file: SharedFile
    private let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    /// Opens (or creates) the log file and bootstraps swift-log with it.
    static func bootstrap(path: String, level: Logger.Level) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
        let shared = SharedFile(handle: handle)
        LoggingSystem.bootstrap { label in FileLogHandler(file: shared, label: label, logLevel: level) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        self.file.write("\(Date().ISO8601Format()) \(event.level) \(label): \(event.message)\(meta)\n")
    }
}

/// The one log file, written under a lock.
final class SharedFile: Sendable {
    private let handle: Mutex<FileHandle?>
    init(handle: FileHandle?) { self.handle = Mutex(handle) }
    func write(_ line: String) {
        handle.withLock { $0?.write(Data(line.utf8)) }
    }
}
