import CMosquitto
import Foundation
import Synchronization

/// One message received from the broker (topic and payload copied out of libmosquitto's buffers).
public struct MQTTMessage: Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
}

/// Connection state changes, in the order libmosquitto reports them.
public enum MQTTEvent: Sendable, Equatable {
    case connected
    case connectRefused(code: Int32)
    case disconnected(code: Int32)
}

func mosquittoErrorString(_ code: Int32) -> UnsafePointer<CChar> { mosquitto_strerror(code) }

/// libmosquitto must be initialised once per process before any client exists.
private let mosquittoLibrary: Void = { _ = mosquitto_lib_init() }()

/// An MQTT client over libmosquitto in threaded mode.
///
/// libmosquitto runs the network loop on its own thread (`mosquitto_loop_start`), reconnects by itself
/// after a lost connection (back-off from `reconnectDelayMin` to `reconnectDelayMax` seconds), and calls
/// back on that thread. The callbacks only copy the data out and hand it to Swift through
/// `AsyncStream` continuations (which are `Sendable`, safe to yield from any thread), and read the
/// subscription list under a `Mutex`, so no Swift state is shared unprotected. Subscriptions are
/// remembered and re-sent on every (re)connect, so a clean-session client survives a broker restart.
///
/// `publish`/`subscribe` may be called from any task: libmosquitto serialises them internally in
/// threaded mode. QoS 1 messages published while disconnected are queued by libmosquitto and sent on
/// reconnect; QoS 0 ones are dropped with `MQTTError.library(… NO_CONN)`.
public final class MQTTClient: Sendable {
    public let options: MQTTOptions
    /// Every message on every subscription. Unbounded buffer: a slow consumer costs memory, not data.
    public let messages: AsyncStream<MQTTMessage>
    public let events: AsyncStream<MQTTEvent>

    /// The `struct mosquitto *`. libmosquitto locks internally in threaded mode, which makes concurrent
    /// publish/subscribe from several threads safe; the pointer itself never changes after init.
    nonisolated(unsafe) private let handle: OpaquePointer
    private let core: Core

    /// State shared with the libmosquitto thread; passed to the C callbacks as their userdata.
    final class Core: Sendable {
        struct State {
            var subscriptions: [String: MQTTQoS] = [:]
            var connected = false
            var closed = false
            var connections = 0
            /// The CONNACK code of the last refused connection since the last success (nil: none).
            var refusal: Int32?
        }
        let state = Mutex(State())
        let messages: AsyncStream<MQTTMessage>.Continuation
        let events: AsyncStream<MQTTEvent>.Continuation
        init(messages: AsyncStream<MQTTMessage>.Continuation, events: AsyncStream<MQTTEvent>.Continuation) {
            self.messages = messages; self.events = events
        }
    }

    public init(options: MQTTOptions) throws(MQTTError) {
        _ = mosquittoLibrary
        self.options = options
        let (messages, messageSink) = AsyncStream.makeStream(of: MQTTMessage.self)
        let (events, eventSink) = AsyncStream.makeStream(of: MQTTEvent.self)
        self.messages = messages
        self.events = events
        core = Core(messages: messageSink, events: eventSink)
        guard let h = mosquitto_new(options.clientID, options.cleanSession, Unmanaged.passUnretained(core).toOpaque()) else {
            throw MQTTError.library(call: "mosquitto_new(\(options.clientID))", code: MOSQ_ERR_NOMEM.rawValue)
        }
        handle = h
        do {
            try configure()
        } catch {
            mosquitto_destroy(h)
            throw error
        }
    }

    private func configure() throws(MQTTError) {
        func check(_ call: String, _ rc: Int32) throws(MQTTError) {
            if rc != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.library(call: call, code: rc) }
        }
        if options.useMQTT5 {
            try check("protocol version 5", mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5))
        }
        try check("TCP_NODELAY", mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1))
        if options.username != nil || options.password != nil {
            try check("username_pw_set", mosquitto_username_pw_set(handle, options.username, options.password))
        }
        if let tls = options.tls {
            try check("tls_set", mosquitto_tls_set(handle, tls.caFile, tls.caPath, tls.certFile, tls.keyFile, nil))
        }
        try check("reconnect_delay_set", mosquitto_reconnect_delay_set(
            handle, UInt32(max(1, options.reconnectDelayMin)), UInt32(max(1, options.reconnectDelayMax)), true))
        mosquitto_connect_callback_set(handle) { mosq, userdata, rc in
            guard let mosq, let userdata else { return }
            let core = Unmanaged<Core>.fromOpaque(userdata).takeUnretainedValue()
            guard rc == 0 else {
                core.state.withLock { $0.refusal = rc }
                core.events.yield(.connectRefused(code: rc))
                return
            }
            let subscriptions = core.state.withLock { s in
                s.connected = true
                s.refusal = nil
                s.connections += 1
                return s.subscriptions
            }
            for (topic, qos) in subscriptions { _ = mosquitto_subscribe(mosq, nil, topic, qos.rawValue) }
            core.events.yield(.connected)
        }
        mosquitto_disconnect_callback_set(handle) { _, userdata, rc in
            guard let userdata else { return }
            let core = Unmanaged<Core>.fromOpaque(userdata).takeUnretainedValue()
            core.state.withLock { $0.connected = false }
            core.events.yield(.disconnected(code: rc))
        }
        mosquitto_message_callback_set(handle) { _, userdata, message in
            guard let userdata, let m = message?.pointee, let topicPointer = m.topic else { return }
            let core = Unmanaged<Core>.fromOpaque(userdata).takeUnretainedValue()
            var payload = [UInt8]()
            if let p = m.payload, m.payloadlen > 0 {
                payload = Array(UnsafeRawBufferPointer(start: p, count: Int(m.payloadlen)))
            }
            core.messages.yield(MQTTMessage(topic: String(cString: topicPointer), payload: payload,
                                            qos: m.qos, retain: m.retain))
        }
    }

    /// Starts the network thread and waits (up to `timeoutSeconds`) for the first CONNACK. A broker that
    /// is not up yet is retried with the reconnect back-off until the timeout.
    public func connect(timeoutSeconds: Double = 10) async throws(MQTTError) {
        let rc = mosquitto_connect_async(handle, options.host, Int32(options.port), Int32(options.keepAliveSeconds))
        // A refused TCP connection here is not final: the loop thread keeps reconnecting.
        if rc == MOSQ_ERR_INVAL.rawValue || rc == MOSQ_ERR_EAI.rawValue {
            throw MQTTError.library(call: "connect(\(options.host):\(options.port))", code: rc)
        }
        let started = mosquitto_loop_start(handle)
        if started != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.library(call: "loop_start", code: started) }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
        while ContinuousClock.now < deadline {
            let (connected, refusal) = core.state.withLock { ($0.connected, $0.refusal) }
            if connected { return }
            // A refusal (bad credentials, not authorised) will not change by retrying: say so now.
            if let refusal { throw MQTTError.refused(host: options.host, port: options.port, code: refusal) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        if isConnected { return }
        throw MQTTError.connectTimeout(host: options.host, port: options.port, seconds: timeoutSeconds)
    }

    public var isConnected: Bool { core.state.withLock { $0.connected } }

    /// Successful connections so far (1 after `connect`, +1 per reconnect).
    public var connectionCount: Int { core.state.withLock { $0.connections } }

    /// True once connected; false if `timeoutSeconds` pass first.
    public func waitUntilConnected(timeoutSeconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
        while ContinuousClock.now < deadline {
            if isConnected { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isConnected
    }

    /// Subscribes now if connected, and again after every reconnect.
    public func subscribe(_ topic: String, qos: MQTTQoS = .atLeastOnce) throws(MQTTError) {
        let rc0 = mosquitto_sub_topic_check(topic)
        if rc0 != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.library(call: "subscribe('\(topic)')", code: rc0) }
        let connected = core.state.withLock { s in
            s.subscriptions[topic] = qos
            return s.connected
        }
        if connected {
            let rc = mosquitto_subscribe(handle, nil, topic, qos.rawValue)
            // NO_CONN: the connection dropped in between; the reconnect re-subscribes.
            if rc != MOSQ_ERR_SUCCESS.rawValue && rc != MOSQ_ERR_NO_CONN.rawValue {
                throw MQTTError.library(call: "subscribe('\(topic)')", code: rc)
            }
        }
    }

    public func publish(_ topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) throws(MQTTError) {
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes.baseAddress, qos.rawValue, retain)
        }
        if rc != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.library(call: "publish('\(topic)')", code: rc) }
    }

    /// Disconnects, stops the network thread and finishes both streams. Idempotent.
    public func close() {
        let alreadyClosed = core.state.withLock { s in
            defer { s.closed = true }
            return s.closed
        }
        if alreadyClosed { return }
        _ = mosquitto_disconnect(handle)
        _ = mosquitto_loop_stop(handle, false)
        core.state.withLock { $0.connected = false }
        core.messages.finish()
        core.events.finish()
    }

    deinit {
        close()
        mosquitto_destroy(handle)
    }
}
