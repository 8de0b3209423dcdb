import Foundation

/// One SenML record (RFC 8428). Only the fields this project uses; unknown fields are ignored on decode.
/// Binary values (`vd`) are base64 in JSON, as the RFC specifies (base64url without padding is also
/// accepted on decode, RFC 8428 §4.3).
public struct SenMLRecord: Codable, Sendable, Equatable {
    public var baseName: String?
    public var baseTime: Double?
    public var name: String?
    public var unit: String?
    public var value: Double?
    public var stringValue: String?
    public var dataValue: [UInt8]?
    public var time: Double?

    public init(baseName: String? = nil, baseTime: Double? = nil, name: String? = nil, unit: String? = nil,
                value: Double? = nil, stringValue: String? = nil, dataValue: [UInt8]? = nil, time: Double? = nil) {
        self.baseName = baseName
        self.baseTime = baseTime
        self.name = name
        self.unit = unit
        self.value = value
        self.stringValue = stringValue
        self.dataValue = dataValue
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case baseName = "bn", baseTime = "bt", name = "n", unit = "u", value = "v", stringValue = "vs"
        case dataValue = "vd", time = "t"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseName = try c.decodeIfPresent(String.self, forKey: .baseName)
        baseTime = try c.decodeIfPresent(Double.self, forKey: .baseTime)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        stringValue = try c.decodeIfPresent(String.self, forKey: .stringValue)
        time = try c.decodeIfPresent(Double.self, forKey: .time)
        if let text = try c.decodeIfPresent(String.self, forKey: .dataValue) {
            guard let bytes = SenML.decodeBase64(text) else {
                throw SenMLError.badBase64(record: name ?? "?")
            }
            dataValue = bytes
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(baseName, forKey: .baseName)
        try c.encodeIfPresent(baseTime, forKey: .baseTime)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(unit, forKey: .unit)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encodeIfPresent(stringValue, forKey: .stringValue)
        try c.encodeIfPresent(dataValue.map { Data($0).base64EncodedString() }, forKey: .dataValue)
        try c.encodeIfPresent(time, forKey: .time)
    }
}

public enum SenMLError: Error, CustomStringConvertible, Equatable {
    case notJSON(String)
    case notSenML(String)
    case badBase64(record: String)
    case missingRecord(String)
    case duplicateRecord(String)
    /// JSON has no NaN or infinity: a record holding one cannot be encoded (RFC 8428 values are JSON numbers).
    case notEncodable(String)

    public var description: String {
        switch self {
        case .notJSON(let why): return "body is not JSON: \(why)"
        case .notSenML(let why): return "body is not a SenML pack (a JSON array of records): \(why)"
        case .badBase64(let record): return "record '\(record)': 'vd' is not valid base64"
        case .missingRecord(let name): return "no record named '\(name)'"
        case .duplicateRecord(let name): return "more than one record named '\(name)'"
        case .notEncodable(let why): return "cannot encode the SenML pack: \(why)"
        }
    }
}

/// A SenML pack: a JSON array of records. Names are resolved as base name + name (RFC 8428 §4.5.1).
public struct SenMLPack: Sendable, Equatable {
    public var records: [SenMLRecord]

    public init(records: [SenMLRecord]) { self.records = records }

    /// Encodes compactly (no whitespace); the bytes returned are exactly what goes on the wire. Throws
    /// `.notEncodable` naming the record when a value is NaN or infinite (JSON cannot carry those).
    public func encoded() throws(SenMLError) -> [UInt8] {
        let names = resolvedNames
        for (name, record) in zip(names, records) {
            for (field, v) in [("v", record.value), ("t", record.time), ("bt", record.baseTime)] {
                if let v, !v.isFinite { throw SenMLError.notEncodable("record '\(name)': '\(field)' is \(v), not a JSON number") }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(records))
        } catch {
            throw SenMLError.notEncodable("\(error)")
        }
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws -> SenMLPack {
        // One parse (a clip's pack is ~40 KB of base64): JSONDecoder's errors tell "not JSON" from "not a pack".
        let data = Data(bytes)
        do {
            return SenMLPack(records: try JSONDecoder().decode([SenMLRecord].self, from: data))
        } catch let error as SenMLError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            let why = (context.underlyingError as? NSError)?.localizedDescription ?? context.debugDescription
            throw SenMLError.notJSON(data.isEmpty ? "the body is empty" : why)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw SenMLError.notSenML("top level is not an array")
        } catch {
            throw SenMLError.notSenML("a record has a field of the wrong type")
        }
    }

    /// Resolved name (base name carried forward, RFC 8428 §4.5.1) of each record.
    public var resolvedNames: [String] {
        var base = ""
        return records.map { r in
            if let bn = r.baseName { base = bn }
            return base + (r.name ?? "")
        }
    }

    /// The single record whose resolved name is `name`, or ends with "/name" or ":name".
    public func record(named name: String) throws -> SenMLRecord? {
        let names = resolvedNames
        let hits = names.indices.filter { names[$0] == name || names[$0].hasSuffix("/" + name) || names[$0].hasSuffix(":" + name) }
        if hits.count > 1 { throw SenMLError.duplicateRecord(name) }
        return hits.first.map { records[$0] }
    }
}

public enum SenML {
    /// Standard base64, or base64url, with or without padding; nil for any other character (whitespace
    /// included) or a impossible length. Decodes the UTF-8 bytes directly: no intermediate strings.
    public static func decodeBase64(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decodeBase64(bytes: $0) }
    }

    /// 0–63 for the characters of both alphabets, 0xFF for anything else.
    private static let base64Values: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "+"))] = 62; t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "/"))] = 63; t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    static func decodeBase64(bytes input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var n = input.count
        if n % 4 == 0, n >= 2, input[n - 1] == UInt8(ascii: "=") { n -= input[n - 2] == UInt8(ascii: "=") ? 2 : 1 }
        if n % 4 == 1 { return nil }
        var out = [UInt8](repeating: 0, count: n / 4 * 3 + max(0, n % 4 - 1))
        let ok = base64Values.withUnsafeBufferPointer { table -> Bool in
            out.withUnsafeMutableBufferPointer { dst -> Bool in
                var i = 0, o = 0
                while i + 4 <= n {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])], c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { return false }
                    dst[o] = a << 2 | b >> 4; dst[o + 1] = b << 4 | c >> 2; dst[o + 2] = c << 6 | d
                    i += 4; o += 3
                }
                let rest = n - i
                if rest >= 2 {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    if (a | b) & 0xC0 != 0 { return false }
                    dst[o] = a << 2 | b >> 4
                    if rest == 3 {
                        let c = table[Int(input[i + 2])]
                        if c & 0xC0 != 0 { return false }
                        dst[o + 1] = b << 4 | c >> 2
                    }
                }
                return true
            }
        }
        return ok ? out : nil
    }

    /// Little-endian float32 bytes, the wire form of float vectors in `vd`.
    public static func bytes(of floats: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(floats.count * 4)
        for f in floats {
            let b = f.bitPattern.littleEndian
            out.append(UInt8(b & 0xff)); out.append(UInt8((b >> 8) & 0xff))
            out.append(UInt8((b >> 16) & 0xff)); out.append(UInt8(b >> 24))
        }
        return out
    }

    /// Inverse of `bytes(of:)`; nil if the byte count is not a multiple of 4.
    public static func floats(from bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            let b = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            return Float(bitPattern: UInt32(littleEndian: b))
        }
    }
}
