import Foundation

/// Everything `kws-native serve` can be told.
public struct BigServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free ephemeral port (tests, `little` without `--server`).
    public var port: Int
    /// Bearer token every request must carry; nil or empty: no check.
    public var token: String?
    /// Request bodies larger than this get a 413 (a float32 clip is ~85 KB as sent).
    public var maxBodyBytes: Int
    /// Inference threads; clamped to the cores by the pool.
    public var threads: Int
    /// Requests waiting for a thread beyond this get a 503.
    public var maxQueued: Int
    /// Network name, reported in answers and in /health.
    public var model: String
    /// A connection that completes no request head within this many seconds of connecting (or of its
    /// previous answer), or sends no part of its body for this long, is closed: a half-sent request or a
    /// slowloris trickle of header bytes does not hold a connection. Answers in progress are not cut.
    public var idleTimeoutSeconds: Double
    /// `maxBodyBytes` unless set (`serve --max-body-bytes`' default too): 1 MiB, room for a whole WAV clip.
    public static let defaultMaxBodyBytes = 1 << 20
    /// `idleTimeoutSeconds` unless set (`serve --idle-timeout`'s default too).
    public static let defaultIdleTimeoutSeconds: Double = 15

    /// The environment variable a token is read from when `--token` is not given.
    public static let tokenEnvironmentVariable = "KWS_NATIVE_TOKEN"

    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, maxBodyBytes: Int = defaultMaxBodyBytes,
                threads: Int = InferencePool<AnyObject>.defaultThreads, maxQueued: Int = 256, model: String = "big",
                idleTimeoutSeconds: Double = defaultIdleTimeoutSeconds) {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.host = host
        self.port = port
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.threads = threads
        self.maxQueued = maxQueued
        self.model = model
    }

    /// `explicit` if given, else the environment variable, else none.
    public static func token(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment[tokenEnvironmentVariable], !env.isEmpty { return env }
        return nil
    }
}
