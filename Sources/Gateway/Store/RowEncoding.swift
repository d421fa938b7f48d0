import SQLKit
import Synchronization

/// A record as one table row: column names (snake-cased field names) and values in field order, nil as SQL NULL.
///
/// Written by hand for the store's hot path: SQLKit's `SQLQueryEncoder` and the per-statement serialization of every
/// column identifier cost about a fifth of the gateway's CPU per payment (docs/benchmarks.md). Records are flat
/// structs of strings, integers and booleans, so a flat encoder is enough; anything nested is reported as an error.
struct RowEncoder {
    struct Row {
        var columns: [String] = []
        var values: [(any Encodable & Sendable)?] = []
    }

    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ record: some Encodable) throws -> Row {
        let storage = Storage()
        try record.encode(to: FlatEncoder(storage: storage))
        if let problem = storage.problem { throw Unsupported(description: problem) }
        return storage.row
    }

    final class Storage {
        var row = Row()
        var problem: String?

        func add(_ key: some CodingKey, _ value: (any Encodable & Sendable)?) {
            row.columns.append(ColumnNames.snakeCased(key.stringValue))
            row.values.append(value)
        }
    }

    private struct FlatEncoder: Encoder {
        let storage: Storage
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Keyed<Key>(storage: storage))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            storage.problem = "a stored record must be a flat struct, not a list"
            return Nothing(storage: storage)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            storage.problem = "a stored record must be a flat struct, not a single value"
            return Nothing(storage: storage)
        }
    }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: Storage
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { storage.add(key, nil) }
        mutating func encode(_ value: String, forKey key: Key) throws { storage.add(key, value) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { storage.add(key, value) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { storage.add(key, value) }
        mutating func encode(_ value: Int, forKey key: Key) throws { storage.add(key, value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { storage.add(key, value) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if let column = value as? any TextColumn {
                storage.add(key, column.columnText)
                return
            }
            storage.problem = "column \(key.stringValue) has type \(T.self); stored records hold strings, integers, booleans, doubles and text columns"
        }
        // Optionals: a nil still takes its column (the default implementations would skip it).
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { storage.add(key, value) }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { storage.add(key, value) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { storage.add(key, value) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { storage.add(key, value) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { storage.add(key, value) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { storage.add(key, nil) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            storage.problem = "column \(key.stringValue) is nested; stored records are flat"
            return KeyedEncodingContainer(Keyed<NestedKey>(storage: Storage()))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            storage.problem = "column \(key.stringValue) is a list; stored records are flat"
            return Nothing(storage: storage)
        }

        mutating func superEncoder() -> any Encoder { FlatEncoder(storage: Storage()) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { FlatEncoder(storage: Storage()) }
    }

    /// Swallows what a flat record must not contain (the problem is already recorded).
    private struct Nothing: UnkeyedEncodingContainer, SingleValueEncodingContainer {
        let storage: Storage
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }
        mutating func encodeNil() throws {}
        mutating func encode<T: Encodable>(_ value: T) throws {}
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(storage: Storage()))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
        mutating func superEncoder() -> any Encoder { FlatEncoder(storage: Storage()) }
    }
}

/// `INSERT INTO table (columns…) VALUES (…), (…)` for rows of one record type, binds in the dialect's placeholder
/// style; nil values are written as NULL.
struct MultiRowInsert: SQLExpression {
    let table: String
    let columns: [String]
    let rows: [[(any Encodable & Sendable)?]]

    /// `INSERT INTO "table" ("a", "b") VALUES ` per dialect, table and columns, quoted by SQLKit once: quoting
    /// every identifier again for every statement cost as much as executing it.
    private static let prefixes = Mutex<[String: String]>([:])

    func serialize(to serializer: inout SQLSerializer) {
        let key = "\(serializer.dialect.name) \(table) \(columns.joined(separator: ","))"
        if let prefix = Self.prefixes.withLock({ $0[key] }) {
            serializer.write(prefix)
        } else {
            var scratch = SQLSerializer(database: serializer.database)
            scratch.write("INSERT INTO ")
            SQLIdentifier(table).serialize(to: &scratch)
            scratch.write(" (")
            for (i, column) in columns.enumerated() {
                if i > 0 { scratch.write(", ") }
                SQLIdentifier(column).serialize(to: &scratch)
            }
            scratch.write(") VALUES ")
            Self.prefixes.withLock { $0[key] = scratch.sql }
            serializer.write(scratch.sql)
        }
        for (r, row) in rows.enumerated() {
            serializer.write(r == 0 ? "(" : ", (")
            for (i, value) in row.enumerated() {
                if i > 0 { serializer.write(", ") }
                if let value { serializer.write(bind: value) } else { serializer.write("NULL") }
            }
            serializer.write(")")
        }
    }
}
