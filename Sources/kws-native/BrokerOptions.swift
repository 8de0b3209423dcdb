import ArgumentParser
import Foundation
import Serving

/// How `coop` and `coop-worker` authenticate to a broker: username and password (from a file or the
/// environment, never on the command line where `ps` shows it) and TLS with a CA and a client certificate.
struct BrokerOptions: ParsableArguments {
    static let passwordVariable = CoopFleet.passwordVariable

    @Option(help: "MQTT username (the password comes from --password-file or $KWS_MQTT_PASSWORD).")
    var username: String?

    @Option(name: .customLong("password-file"), help: "File whose first line is the MQTT password.")
    var passwordFile: String?

    @Option(help: "CA certificate (PEM) to verify the broker with; turns TLS on.")
    var cafile: String?

    @Option(help: "Client certificate (PEM) for TLS client authentication (needs --key).")
    var cert: String?

    @Option(help: "Private key (PEM, unencrypted) of --cert.")
    var key: String?

    /// True when any credential or TLS option is given (the private fleet passes them to its workers).
    var isEmpty: Bool { username == nil && passwordFile == nil && cafile == nil && cert == nil && key == nil }

    /// `url` parsed (`mqtt://`, `mqtts://`, `user:password@` accepted), then these options applied over it.
    func mqttOptions(url: String, clientID: String) throws -> MQTTOptions {
        var options = try MQTTOptions.parse(url: url, clientID: clientID)
        if let username { options.username = username }
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw ValidationError("--password-file \(passwordFile): cannot read the file")
            }
            let password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !password.isEmpty else { throw ValidationError("--password-file \(passwordFile): the first line is empty") }
            options.password = password
        } else if let password = ProcessInfo.processInfo.environment[Self.passwordVariable], !password.isEmpty {
            options.password = password
        }
        if options.password != nil && options.username == nil {
            throw ValidationError("a password is given but no username: pass --username (or user@ in the broker URL)")
        }
        guard (cert == nil) == (key == nil) else { throw ValidationError("--cert and --key go together") }
        for (flag, path) in [("--cafile", cafile), ("--cert", cert), ("--key", key)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw ValidationError("\(flag) \(path): cannot read the file")
            }
        }
        if cafile != nil || cert != nil {
            var tls = options.tls ?? MQTTOptions.TLS()
            if let cafile { tls.caFile = cafile; tls.caPath = nil }
            tls.certFile = cert
            tls.keyFile = key
            options.tls = tls
        }
        return options
    }

    /// The same options as command-line arguments, for a child worker (the password travels in the
    /// child's environment or as the same file, never in its argv).
    var arguments: [String] {
        var out: [String] = []
        if let username { out += ["--username", username] }
        if let passwordFile { out += ["--password-file", passwordFile] }
        if let cafile { out += ["--cafile", cafile] }
        if let cert { out += ["--cert", cert] }
        if let key { out += ["--key", key] }
        return out
    }
}
