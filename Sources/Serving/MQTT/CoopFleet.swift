import Foundation
import Synchronization

/// A private cooperative deployment on this machine: a mosquitto on a free loopback port that takes no
/// anonymous clients, and `replicas` worker processes per model (`kws-native coop-worker`), started and
/// supervised for one `coop` run. `shutdown` is safe to call from a signal handler's queue and more than once.
public final class CoopFleet: Sendable {
    /// The environment variable the workers read the broker password from (not their argv, which `ps` shows).
    public static let passwordVariable = "KWS_MQTT_PASSWORD"

    private struct State {
        var broker: MosquittoBroker?
        var workers: [ChildProcess] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Where the workers and the client log in.
    public struct Login: Sendable {
        public var url: String
        public var username: String
        public var password: String
    }

    /// Starts the broker (one user with a random password made for this run) and `replicas` workers per
    /// model, running `executable` (this binary) as `coop-worker`; more than one replica of a model share a
    /// subscription group.
    public func start(models: [String], replicas: Int, weights: String, prefix: String,
                      executable: String = CoopFleet.currentExecutable) throws -> Login {
        let login = try BrokerPassword.make(username: "kws-coop")
        defer { try? FileManager.default.removeItem(atPath: login.directory) }
        let broker = try MosquittoBroker(security: .init(passwordFile: login.file))
        try broker.start()
        state.withLock { $0.broker = broker }
        var environment = ProcessInfo.processInfo.environment
        environment[Self.passwordVariable] = login.password
        for name in models {
            for _ in 0..<replicas {
                let p = try ChildProcess(
                    executable: executable,
                    arguments: ["coop-worker", "--model", name, "--broker", broker.url, "--prefix", prefix,
                                "--weights", weights, "--username", login.username] + (replicas > 1 ? ["--share", name] : []),
                    environment: environment, standardOutput: .discard)
                state.withLock { $0.workers.append(p) }
            }
        }
        return Login(url: broker.url, username: login.username, password: login.password)
    }

    /// This process's own executable.
    public static var currentExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// A message if the broker was started and has exited since (nil otherwise).
    public func brokerDeath() -> String? {
        state.withLock { s in
            guard let b = s.broker, let status = b.exitStatus else { return nil }
            return "the private broker (mosquitto on \(b.url)) exited with status \(status) during the run; log: \(b.log().suffix(400))"
        }
    }

    /// SIGTERM to every worker, then one shared 3 s deadline for all of them (SIGKILL after it), then the
    /// broker. Signalling every worker before waiting on any keeps the shutdown at 3 s, not 3 s a worker.
    public func shutdown() {
        let (workers, broker) = state.withLock { s in
            defer { s.workers = []; s.broker = nil }
            return (s.workers, s.broker)
        }
        for p in workers { p.signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(3)
        for p in workers {
            while p.isRunning && Date() < deadline { usleep(10_000) }
            p.signal(SIGKILL)
            p.waitUntilExit()
        }
        broker?.stop()
    }
}
