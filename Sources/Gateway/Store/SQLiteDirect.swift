// SQLite itself: the copy sqlite-nio bundles (symbols prefixed `sqlite_nio_`), so the process holds one SQLite.
import VaporCSQLite
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// A SQLite connection for SQLKit that runs each statement synchronously, on the calling task's thread, through the
/// SQLite C API, with a cache of prepared statements.
///
/// Written by hand because SQLiteNIO (sqlite-kit's driver) hands every statement to a thread pool and back: three
/// thread hops per statement, which capped the gateway near 1,100 confirmed payments/s on two cores, far under the
/// 3,000/s target (docs/benchmarks.md). SQLKit still builds and serializes every query (SQLite dialect, binds
/// encoded and rows decoded by sqlite-kit's `SQLiteDataEncoder`/`SQLiteDataDecoder`), so the store keeps one SQL code
/// path; only the execution differs. `SQLiteSessions` hands the connection to one session at a time, so a statement
/// never runs concurrently with another on it; each statement takes microseconds, the COMMIT's fsync well under a
/// millisecond.
final class SQLiteDirectConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// SQL text → prepared statement; SQLKit produces the same text for the same query shape.
    private var statements: [String: OpaquePointer] = [:]
    private static let maxCachedStatements = 512

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    static func open(path: String) throws -> SQLiteDirectConnection {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw SQLiteDirectError(code: status, message: "cannot open \(path): \(message)")
        }
        sqlite_nio_sqlite3_extended_result_codes(handle, 1)
        return SQLiteDirectConnection(handle: handle)
    }

    /// Runs one statement with its binds, calling `onRow` for each result row.
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (SQLiteDirectRow) -> Void) throws {
        guard let handle else { throw SQLiteDirectError(code: SQLITE_MISUSE, message: "the database is closed") }
        let statement = try prepared(sql, handle)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, value) in binds.enumerated() {
            let position = Int32(index + 1)
            let status: Int32
            switch value {
            case .integer(let v): status = sqlite_nio_sqlite3_bind_int64(statement, position, Int64(v))
            case .float(let v): status = sqlite_nio_sqlite3_bind_double(statement, position, v)
            case .text(let v): status = sqlite_nio_sqlite3_bind_text(statement, position, v, -1, Self.transient)
            case .blob(let v):
                status = v.withUnsafeReadableBytes { sqlite_nio_sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), Self.transient) }
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, position)
            }
            guard status == SQLITE_OK else { throw error(status, handle) }
        }
        var columns: [String]?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw error(status, handle) }
            let count = sqlite_nio_sqlite3_column_count(statement)
            let names = columns ?? (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
            columns = names
            onRow(SQLiteDirectRow(columns: names, values: (0..<count).map { Self.value(statement, $0) }))
        }
    }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    deinit { close() }

    private func prepared(_ sql: String, _ handle: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status, handle) }
        if statements.count >= Self.maxCachedStatements {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old) }
            statements = [:]
        }
        statements[sql] = statement
        return statement
    }

    private func error(_ status: Int32, _ handle: OpaquePointer) -> SQLiteDirectError {
        SQLiteDirectError(code: status, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }

    private static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return .text(String(cString: sqlite_nio_sqlite3_column_text(statement, column)))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite_nio_sqlite3_column_blob(statement, column), count > 0 else { return .blob(ByteBuffer()) }
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes (the C macro is not imported into Swift).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// An error from SQLite, with its (extended) result code.
struct SQLiteDirectError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One result row.
struct SQLiteDirectRow: SQLRow {
    let columns: [String]
    let values: [SQLiteData]

    var allColumns: [String] { columns }

    func contains(column: String) -> Bool { columns.contains(column) }

    private func value(_ column: String) throws -> SQLiteData {
        guard let index = columns.firstIndex(of: column) else {
            throw DecodingError.keyNotFound(ColumnNames.ColumnKey(stringValue: column),
                                            .init(codingPath: [], debugDescription: "No column named \(column)"))
        }
        return values[index]
    }

    func decodeNil(column: String) throws -> Bool { try value(column) == .null }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        try SQLiteDataDecoder().decode(D.self, from: try value(column))
    }
}

/// `SQLDatabase` over a direct connection: SQLKit serializes, the connection runs the statement right away.
struct SQLiteDirectDatabase: SQLDatabase {
    let connection: SQLiteDirectConnection
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        try connection.run(sql, try binds.map(Self.data)) { onRow($0) }
    }

    /// The common bind types directly; anything else through sqlite-kit's encoder (the same mapping, slower).
    static func data(_ value: any Encodable & Sendable) throws -> SQLiteData {
        switch value {
        case let v as String: .text(v)
        case let v as Int64: .integer(Int(v))
        case let v as Int: .integer(v)
        case let v as Bool: .integer(v ? 1 : 0)
        case let v as Double: .float(v)
        default: try SQLiteDataEncoder().encode(value)
        }
    }
}
