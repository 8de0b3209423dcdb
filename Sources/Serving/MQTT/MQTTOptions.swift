import CMosquitto
import Foundation

/// Quality of service of a publish or subscription (QoS 2 is not used by this project).
public enum MQTTQoS: Int32, Sendable {
    case atMostOnce = 0
    case atLeastOnce = 1
}

/// Everything needed to reach a broker. Username/password and TLS are passed straight to libmosquitto.
public struct MQTTOptions: Sendable {
    public struct TLS: Sendable {
        public var caFile: String?
        public var caPath: String?
        public var certFile: String?
        public var keyFile: String?
        public init(caFile: String? = nil, caPath: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile; self.caPath = caPath; self.certFile = certFile; self.keyFile = keyFile
        }
    }

    public var host: String
    public var port: Int
    public var clientID: String
    public var keepAliveSeconds: Int
    /// MQTT "clean session" (v3.1.1) / "clean start" (v5).
    public var cleanSession: Bool
    public var username: String?
    public var password: String?
    public var tls: TLS?
    /// MQTT 5 by default (needed for `$share/GROUP/...` subscriptions in the standard's sense).
    public var useMQTT5: Bool
    /// Automatic reconnect back-off, in whole seconds (libmosquitto's unit), doubling from min to max.
    public var reconnectDelayMin: Int
    public var reconnectDelayMax: Int

    public init(host: String = "127.0.0.1", port: Int = 1883, clientID: String = MQTTOptions.randomClientID(),
                keepAliveSeconds: Int = 30, cleanSession: Bool = true, username: String? = nil,
                password: String? = nil, tls: TLS? = nil, useMQTT5: Bool = true,
                reconnectDelayMin: Int = 1, reconnectDelayMax: Int = 2) {
        self.host = host; self.port = port; self.clientID = clientID
        self.keepAliveSeconds = keepAliveSeconds; self.cleanSession = cleanSession
        self.username = username; self.password = password; self.tls = tls; self.useMQTT5 = useMQTT5
        self.reconnectDelayMin = reconnectDelayMin; self.reconnectDelayMax = reconnectDelayMax
    }

    public static func randomClientID(prefix: String = "kws") -> String {
        "\(prefix)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// Parses `mqtt://[user[:password]@]HOST[:PORT]` (default port 1883) or `mqtts://…` (TLS with the
    /// system CA path, default port 8883). Other fields keep their defaults.
    public static func parse(url text: String, clientID: String = MQTTOptions.randomClientID()) throws(MQTTError) -> MQTTOptions {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "mqtt" || scheme == "mqtts", let host = url.host, !host.isEmpty else {
            throw MQTTError.badURL(text)
        }
        let tls = scheme == "mqtts"
        var options = MQTTOptions(host: host, port: url.port ?? (tls ? 8883 : 1883), clientID: clientID)
        options.username = url.user
        options.password = url.password
        if tls { options.tls = TLS(caPath: "/etc/ssl/certs") }
        return options
    }
}

public enum MQTTError: Error, CustomStringConvertible, Equatable {
    case badURL(String)
    case library(call: String, code: Int32)
    case connectTimeout(host: String, port: Int, seconds: Double)
    /// The broker answered CONNACK with this (non-zero) code: bad credentials, not authorised, ….
    case refused(host: String, port: Int, code: Int32)
    case closed

    public var description: String {
        switch self {
        case .badURL(let s): return "broker URL '\(s)': expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"
        case .library(let call, let code):
            return "libmosquitto \(call) failed: \(String(cString: mosquittoErrorString(code))) (code \(code))"
        case .connectTimeout(let host, let port, let s):
            return "no connection to the MQTT broker at \(host):\(port) within \(s) s (is it running?)"
        case .refused(let host, let port, let code):
            return "the MQTT broker at \(host):\(port) refused the connection: \(String(cString: mosquitto_connack_string(code))) (code \(code)); check the username and password (--username, --password-file)"
        case .closed: return "the MQTT client is closed"
        }
    }
}
