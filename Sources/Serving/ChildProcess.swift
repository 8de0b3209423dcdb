import Foundation
import Synchronization

/// A child process started with a clean signal state, for the brokers and workers the product supervises.
///
/// Foundation's `Process` passes on the signal mask of the thread that spawns the child. Swift
/// concurrency and Dispatch run code on worker threads that block the asynchronous signals, so a
/// mosquitto or a worker started from a task came up with SIGTERM and SIGINT blocked: it could only be
/// killed with SIGKILL, never shut down cleanly, and a caller waiting for it to end on SIGTERM waited for
/// ever. `ChildProcess` spawns with `posix_spawn`, an empty signal mask and the default disposition for
/// the signals a parent may have ignored or caught (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE).
public final class ChildProcess: Sendable {
    /// Where the child's standard output or error goes.
    public enum Output: Sendable {
        case inherit, discard
        case file(String)
    }

    public let executable: String
    public let arguments: [String]
    public let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; `environment` nil passes this process's on.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil,
                standardOutput: Output = .inherit, standardError: Output = .inherit) throws {
        self.executable = executable
        self.arguments = arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, output) in [(STDOUT_FILENO, standardOutput), (STDERR_FILENO, standardError)] {
            switch output {
            case .inherit: break
            case .discard: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let rc = withCStrings([executable] + arguments) { argv in
            withCStrings(env) { envp in posix_spawn(&child, executable, &actions, &attributes, argv, envp) }
        }
        guard rc == 0 else {
            throw ChildProcessError("could not start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    /// The exit status (or 128 + the signal that ended it) once the child has ended; nil while it runs.
    public var exitStatus: Int32? {
        status.withLock { known in
            if let known { return known }
            var raw: Int32 = 0
            var r: pid_t
            repeat { r = waitpid(pid, &raw, WNOHANG) } while r < 0 && errno == EINTR
            guard r == pid else { return nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the C macros are not imported).
            let signalled = raw & 0x7f
            known = signalled == 0 ? (raw >> 8) & 0xff : 128 + signalled
            return known
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Sends `signal` to the child if it still runs.
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the child to end and returns its exit status.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let s = exitStatus { return s }
            usleep(5_000)
        }
    }

    /// SIGTERM, then SIGKILL if it has not ended after `grace` seconds; waits for it to end.
    @discardableResult
    public func stop(grace: Double = 2) -> Int32 {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { usleep(10_000) }
        signal(SIGKILL)
        return waitUntilExit()
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
