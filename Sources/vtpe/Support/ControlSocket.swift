import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// A line protocol over a Unix socket: one request line in, one reply line out per connection.
/// The terminal serves it so `vtpe tap` (and QA scripts) can drive a running terminal.
enum ControlSocket {
    /// Prints a terminal's reply as `vtpe tap` and `vtpe keypad` show it: `error …` throws a usage error (exit 2);
    /// otherwise the line without its `ok`/`result` prefix, exiting 3 for DECLINED, 4 for FAILED and 5 when the PIN
    /// pad waits for the person at the terminal.
    static func printReply(_ reply: String) throws {
        if reply.hasPrefix("error ") { throw CLIError(String(reply.dropFirst(6)), exitCode: 2) }
        let text = reply.hasPrefix("result ") ? String(reply.dropFirst(7)) : reply.hasPrefix("ok ") ? String(reply.dropFirst(3)) : reply
        print(text)
        if text.hasPrefix("DECLINED") { throw ExitCode(3) }
        if text.hasPrefix("FAILED") { throw ExitCode(4) }
        if text.hasPrefix("PIN_ENTRY") || text.hasPrefix("SELECT_APPLICATION") { throw ExitCode(5) }
    }

    /// Serves `path` until the task is cancelled; `handle` turns a request line into a reply line.
    static func serve(path: String, handle: @escaping @Sendable (String) async -> String) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask {
                        try? await connection.executeThenClose { inbound, outbound in
                            guard let line = try await readLine(inbound) else { return }
                            let reply = await handle(line)
                            try await outbound.write(ByteBuffer(string: reply + "\n"))
                        }
                    }
                }
            }
        }
    }

    /// Sends one request and returns the reply line.
    static func request(path: String, _ line: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: line + "\n"))
            return try await readLine(inbound) ?? ""
        }
    }

    private static func readLine(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async throws -> String? {
        var collected = ByteBuffer()
        for try await var chunk in inbound {
            collected.writeBuffer(&chunk)
            if let i = collected.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let line = collected.getString(at: collected.readerIndex, length: i - collected.readerIndex) ?? ""
                return line
            }
            if collected.readableBytes > 4096 { return nil }
        }
        return collected.readableBytes > 0 ? collected.readString(length: collected.readableBytes) : nil
    }
}
