import Foundation

/// A private mosquitto broker on an ephemeral loopback port: config and log in a fresh temp directory,
/// started as a child process, stopped (and the directory removed) by `stop()` or on deinit.
///
/// As root, mosquitto drops to the `mosquitto` user, so the directory is made world-readable and
/// persistence is off (a restart starts from an empty broker, as a crashed broker would).
public final class MosquittoBroker: @unchecked Sendable {
    /// Who may connect: anonymous (the default), or only users of a password file; plain TCP or TLS.
    public struct Security: Sendable {
        /// A mosquitto password file (`mosquitto_passwd -b -c FILE USER PASSWORD`); turns anonymous off.
        public var passwordFile: String?
        /// TLS on the listener: CA, the broker's certificate and key (PEM); with `requireCertificate`
        /// clients must present a certificate signed by the CA.
        public var tls: TLS?
        public struct TLS: Sendable {
            public var caFile: String, certFile: String, keyFile: String
            public var requireCertificate: Bool
            public init(caFile: String, certFile: String, keyFile: String, requireCertificate: Bool = false) {
                self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile
                self.requireCertificate = requireCertificate
            }
        }
        public init(passwordFile: String? = nil, tls: TLS? = nil) { self.passwordFile = passwordFile; self.tls = tls }
    }

    // @unchecked: `process` is replaced only by start/stop/restart, which callers do not run concurrently
    // (tests and the `coop` command drive one broker from one task); reads of `port` are immutable.
    public let port: Int
    public let directory: String
    public let executable: String
    private var process: ChildProcess?

    public let security: Security

    public var url: String { "\(security.tls == nil ? "mqtt" : "mqtts")://127.0.0.1:\(port)" }

    /// True while the mosquitto process started by `start()` runs.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// The exit status of a mosquitto that was started and has exited by itself (nil while running).
    public var exitStatus: Int32? {
        process?.exitStatus
    }
    public var pid: Int32? { process?.pid }

    public static let defaultExecutable = "/usr/sbin/mosquitto"

    public init(port: Int? = nil, executable: String? = nil, security: Security = Security()) throws {
        let exe = executable ?? ProcessInfo.processInfo.environment["MOSQUITTO"] ?? MosquittoBroker.defaultExecutable
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw BrokerError("mosquitto not found at \(exe) (install the Debian package 'mosquitto', or set MOSQUITTO=path)")
        }
        self.executable = exe
        self.port = try port ?? MosquittoBroker.freeLoopbackPort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kws-mosquitto-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        directory = dir
        self.security = security
        // mosquitto drops to its own user: it reads copies in its directory, not the caller's files.
        func copy(_ path: String, as name: String) throws -> String {
            let target = "\(dir)/\(name)"
            try FileManager.default.copyItem(atPath: path, toPath: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target)
            return target
        }
        var access = "allow_anonymous true"
        if let file = security.passwordFile {
            access = "allow_anonymous false\npassword_file \(try copy(file, as: "passwords"))"
        }
        if let tls = security.tls {
            access += "\ncafile \(try copy(tls.caFile, as: "ca.pem"))"
            access += "\ncertfile \(try copy(tls.certFile, as: "server.pem"))"
            access += "\nkeyfile \(try copy(tls.keyFile, as: "server.key"))"
            access += "\nrequire_certificate \(tls.requireCertificate)"
        }
        let config = """
            listener \(self.port) 127.0.0.1
            \(access)
            persistence false
            log_dest file \(dir)/mosquitto.log
            log_type error
            log_type warning
            log_type notice
            max_queued_messages 100000

            """
        try config.write(toFile: "\(dir)/mosquitto.conf", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(dir)/mosquitto.conf")
        // The log file must be writable by the `mosquitto` user mosquitto drops to.
        _ = FileManager.default.createFile(atPath: "\(dir)/mosquitto.log", contents: nil, attributes: [.posixPermissions: 0o666])
    }

    /// Starts mosquitto and waits until it accepts TCP connections on the port.
    public func start(timeoutSeconds: Double = 10) throws {
        guard process == nil else { return }
        let p = try ChildProcess(executable: executable, arguments: ["-c", "\(directory)/mosquitto.conf"],
                                 standardOutput: .discard, standardError: .discard)
        process = p
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let status = p.exitStatus {
                process = nil
                throw BrokerError("mosquitto exited with status \(status) at start; log: \(log())")
            }
            if MosquittoBroker.accepts(port: port) { return }
            usleep(20_000)
        }
        stop()
        throw BrokerError("mosquitto did not accept connections on 127.0.0.1:\(port) within \(timeoutSeconds) s; log: \(log())")
    }

    /// Stops mosquitto (SIGTERM, then SIGKILL after 2 s) and waits for it to exit.
    public func stop() {
        guard let p = process else { return }
        process = nil
        p.stop(grace: 2)
    }

    public func log() -> String {
        (try? String(contentsOfFile: "\(directory)/mosquitto.log", encoding: .utf8)) ?? "(no log)"
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A port the kernel just handed out for 127.0.0.1 (bound to port 0, read back, released).
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrokerError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var addr = loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BrokerError("bind(127.0.0.1:0) failed: errno \(errno)") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw BrokerError("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// True if something accepts a TCP connection on 127.0.0.1:port.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = loopback(port: port)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return addr
    }
}

public struct BrokerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A mosquitto password file with one user and a fresh random password, in its own temp directory
/// (made with `mosquitto_passwd -b -c`, so the file holds a salted hash, not the password).
public struct BrokerPassword: Sendable {
    public var username: String
    public var password: String
    public var file: String
    /// The directory holding `file`; the caller removes it when the broker has copied the file.
    public var directory: String

    public static let defaultTool = "/usr/bin/mosquitto_passwd"

    public static func make(username: String, password: String? = nil, tool: String? = nil) throws -> BrokerPassword {
        let exe = tool ?? ProcessInfo.processInfo.environment["MOSQUITTO_PASSWD"] ?? defaultTool
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw BrokerError("mosquitto_passwd not found at \(exe) (Debian package 'mosquitto', or set MOSQUITTO_PASSWD=path)")
        }
        let secret = password ?? (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 36) }.joined()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kws-passwd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = "\(dir)/passwords"
        let p = try ChildProcess(executable: exe, arguments: ["-b", "-c", file, username, secret],
                                 standardOutput: .discard, standardError: .discard)
        let status = p.waitUntilExit()
        guard status == 0, FileManager.default.fileExists(atPath: file) else {
            try? FileManager.default.removeItem(atPath: dir)
            throw BrokerError("\(exe) -b -c \(file) \(username) … failed with status \(status)")
        }
        return BrokerPassword(username: username, password: secret, file: file, directory: dir)
    }
}
