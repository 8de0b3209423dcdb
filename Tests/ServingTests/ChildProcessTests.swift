import Foundation
import Serving
import Testing

/// Children started from a task (as `coop` starts its broker and workers) can be shut down with SIGTERM.
@Suite struct ChildProcessTests {
    /// Task threads block the asynchronous signals; a child started from one must not inherit that.
    @Test func aChildStartedFromATaskHasNoSignalBlockedOrIgnored() async throws {
        let child = try await Task.detached { try ChildProcess(executable: "/bin/sleep", arguments: ["30"]) }.value
        defer { child.stop(grace: 0) }
        let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
        func mask(_ field: String) throws -> UInt64 {
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(field) })
            return try #require(UInt64(line.split(separator: "\t").last.map(String.init) ?? "", radix: 16))
        }
        let blocked = try mask("SigBlk:"), ignored = try mask("SigIgn:")
        #expect(blocked == 0, "blocked in the child: \(String(blocked, radix: 16))")
        for s in [SIGINT, SIGTERM] { #expect(ignored & (1 << (UInt64(s) - 1)) == 0, "signal \(s) ignored") }
    }

    /// mosquitto blocks its signals around each wait and restores the mask it was started with, so with
    /// an inherited blocked SIGTERM it never saw one: `stop()` had to wait for the SIGKILL (and a
    /// caller waiting on SIGTERM alone waited for ever).
    @Test func aBrokerStartedFromATaskStopsOnSIGTERM() async throws {
        let broker = try MosquittoBroker()
        try await Task.detached { try broker.start() }.value
        let start = Date()
        broker.stop()  // SIGTERM, then SIGKILL after 2 s
        #expect(Date().timeIntervalSince(start) < 1.5, "mosquitto ended on SIGTERM, not on the SIGKILL 2 s later")
    }

    @Test func exitStatusAndSignalsAreReported() throws {
        let ok = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "exit 7"])
        #expect(ok.waitUntilExit() == 7)
        #expect(!ok.isRunning && ok.exitStatus == 7)
        let sleeper = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        #expect(sleeper.isRunning)
        #expect(sleeper.stop(grace: 5) == 128 + SIGTERM, "ended by SIGTERM, not by the SIGKILL after the grace period")
        #expect(throws: ChildProcessError.self) { try ChildProcess(executable: "/nonexistent/tool", arguments: []) }
    }
}
