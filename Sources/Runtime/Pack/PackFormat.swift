import DSP

/// A packed model: everything a device needs to spot keywords, in one self-contained little-endian file —
/// the feature recipe, the labels, the stream detector's settings (listening networks), and the network's
/// steps after the desktop's rewrites, each with the kernel chosen for the target and its weights. No Keras,
/// HDF5, JSON or Foundation is needed to read it. `kws-native pack` writes it (`PackFile.encode`), a device
/// or the desktop reads it (`PackFile.decode`, then `PackedModel`).
///
/// Layout (version 1). Integers are unsigned 32-bit unless said, floats IEEE-754 binary32, doubles binary64,
/// all little-endian:
///
///     header (16 bytes)   "KWSP" · version · total length in bytes · CRC-32 (IEEE) of every byte after the header
///     string              model name                  (a string: u32 byte count, UTF-8 bytes)
///     string              target it was planned for   (e.g. "cortex-m4")
///     u32 n, n strings    labels in class order
///     features            u8 kind (0 stft, 1 mfcc) · frame length · frame step · FFT length · resize height ·
///                         resize width (0 0: none) · mel bins · coefficients · sample rate · samples (u32 each;
///                         0 for absent) · lower Hz · upper Hz · log offset (f64 each; NaN for absent)
///     detector            u8 present; then hop ms · window ms · f32 threshold · suppression ms · minimum count ·
///                         f32 unknown weight
///     shape               input shape (u32 rank, u32 dims); axes of a normalisation likewise (u32 count, u32 axes)
///     u32 n, n steps      step: u8 op code · string kernel · string what it computes · the op's fields
///                         (`PackedOp`), float arrays as u32 count + 0–3 zero bytes to a multiple of 4 + data
public enum PackFile {
    public static let magic: [UInt8] = [0x4B, 0x57, 0x53, 0x50]   // "KWSP"
    /// The file name extension of packs; `--model FILE.kwspack` runs one on the desktop.
    public static let fileExtension = ".kwspack"
    public static let version: UInt32 = 1
    public static let headerSize = 16
    /// Limits on what a pack may declare, so a corrupt count cannot make the reader allocate without bound.
    public static let maxElements = 1 << 26, maxRank = 8, maxSteps = 4096, maxStringBytes = 1 << 16, maxLabels = 1024

    /// The pack's bytes.
    public static func encode(_ model: PackedModelDescription) -> [UInt8] {
        var w = PackWriter()
        w.bytes(magic)
        w.u32(version)
        w.u32(0)      // length, set below
        w.u32(0)      // CRC, set below
        w.string(model.name)
        w.string(model.target)
        w.u32(UInt32(model.labels.count))
        for l in model.labels { w.string(l) }
        w.features(model.features)
        if let d = model.detector {
            w.u8(1)
            w.u32(UInt32(d.hopMs)); w.u32(UInt32(d.settings.averageWindowMs)); w.f32(d.settings.threshold)
            w.u32(UInt32(d.settings.suppressionMs)); w.u32(UInt32(d.settings.minimumCount)); w.f32(d.settings.unknownWeight)
        } else {
            w.u8(0)
        }
        w.shape(model.inputShape)
        w.u32(UInt32(model.steps.count))
        for step in model.steps { w.step(step) }
        w.set(at: 8, UInt32(w.data.count))
        w.set(at: 12, CRC32.of(w.data[headerSize...]))
        return w.data
    }

    /// Reads a pack, checking its header, length and CRC before anything else, then every count and shape
    /// against `PackFile`'s limits and the ops' own rules: a corrupt or truncated pack is a `PackError`, never
    /// a trap.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(PackError) -> PackedModelDescription {
        guard bytes.count >= headerSize else {
            throw PackError("not a packed model: \(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        for i in 0..<4 where bytes[i] != magic[i] {
            throw PackError("not a packed model: it does not start with \"KWSP\"")
        }
        var r = PackReader(bytes)
        r.offset = 4
        let v = try r.u32()
        guard v == version else { throw PackError("pack format version \(v); this build reads version \(version)") }
        let length = Int(try r.u32()), crc = try r.u32()
        guard length == bytes.count else {
            throw PackError("truncated or padded pack: the header says \(length) bytes, the file has \(bytes.count)")
        }
        let actual = CRC32.of(UnsafeRawBufferPointer(rebasing: bytes[headerSize...]))
        guard actual == crc else { throw PackError("corrupt pack: CRC-32 \(hex(actual)), the header says \(hex(crc))") }
        let name = try r.string(), target = try r.string()
        let labelCount = try r.count(max: maxLabels, "labels")
        var labels: [String] = []
        for _ in 0..<labelCount { labels.append(try r.string()) }
        let features = try r.features()
        var detector: PackedDetector?
        if try r.u8() == 1 {
            let hop = try r.int(), window = try r.int(), threshold = try r.f32(), suppression = try r.int()
            let minimum = try r.int(), unknown = try r.f32()
            detector = PackedDetector(hopMs: hop, settings: DetectorSettings(averageWindowMs: window, threshold: threshold,
                                                                             suppressionMs: suppression, minimumCount: minimum,
                                                                             unknownWeight: unknown))
        }
        let inputShape = try r.shape()
        let stepCount = try r.count(max: maxSteps, "steps")
        var steps: [PackedStep] = []
        for i in 0..<stepCount { steps.append(try r.step(index: i)) }
        guard r.offset == bytes.count else { throw PackError("\(bytes.count - r.offset) bytes after the last step") }
        return PackedModelDescription(name: name, target: target, labels: labels, features: features, detector: detector,
                                      inputShape: inputShape, steps: steps)
    }

    static func hex(_ v: UInt32) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        var s = "0x"
        for shift in stride(from: 28, through: 0, by: -4) { s.append(digits[Int((v >> UInt32(shift)) & 0xF)]) }
        return s
    }
}

/// What a pack holds, decoded: the input of `PackedModel` and the output of the desktop's packer.
public struct PackedModelDescription {
    public var name: String
    public var target: String
    public var labels: [String]
    public var features: FeatureSpec
    public var detector: PackedDetector?
    public var inputShape: [Int]
    public var steps: [PackedStep]

    public init(name: String, target: String, labels: [String], features: FeatureSpec, detector: PackedDetector?,
                inputShape: [Int], steps: [PackedStep]) {
        self.name = name
        self.target = target
        self.labels = labels
        self.features = features
        self.detector = detector
        self.inputShape = inputShape
        self.steps = steps
    }
}

/// A listening network's stream detector: how often it runs and how it decides.
public struct PackedDetector {
    public var hopMs: Int
    public var settings: DetectorSettings
    public init(hopMs: Int, settings: DetectorSettings) {
        self.hopMs = hopMs
        self.settings = settings
    }
}

/// One step of the network: what it computes, with which kernel (a name from the kernel's `Kernel` enum, as
/// plans name it).
public struct PackedStep {
    public var op: PackedOp
    public var kernel: String
    /// For people, e.g. "Conv2D 3×3/2".
    public var kind: String
    public init(op: PackedOp, kernel: String, kind: String) {
        self.op = op
        self.kernel = kernel
        self.kind = kind
    }
}

/// The fields of each op kind a pack can hold (the desktop's ops after the rewrites, `Sources/Layers/Ops`).
public enum PackedOp {
    case conv2d(WindowGeometry, inChannels: Int, outChannels: Int, kernel: [Float], bias: [Float]?, activation: FusedActivation)
    case depthwise(WindowGeometry, channels: Int, kernel: [Float], bias: [Float], activation: FusedActivation)
    case dense(leadingShape: [Int], inFeatures: Int, outFeatures: Int, weights: [Float], bias: [Float]?, activation: FusedActivation)
    case pool(Pooling2D.Mode, WindowGeometry, channels: Int)
    case globalAveragePool(inputShape: [Int], keepDims: Bool)
    case clamp(shape: [Int], activation: FusedActivation)
    case affine(shape: [Int], scale: [Float], shift: [Float], activation: FusedActivation)
    case reshape(inputShape: [Int], outputShape: [Int])
    case zeroPad(inputShape: [Int], top: Int, bottom: Int, left: Int, right: Int)
    case layerNorm(shape: [Int], axes: [Int], epsilon: Float, gamma: [Float]?, beta: [Float]?)
    case softmax(shape: [Int])

    /// Floats of weights the op holds.
    public var parameterCount: Int {
        switch self {
        case let .conv2d(_, _, _, kernel, bias, _): return kernel.count + (bias?.count ?? 0)
        case let .depthwise(_, _, kernel, bias, _): return kernel.count + bias.count
        case let .dense(_, _, _, weights, bias, _): return weights.count + (bias?.count ?? 0)
        case let .affine(_, scale, shift, _): return scale.count + shift.count
        case let .layerNorm(_, _, _, gamma, beta): return (gamma?.count ?? 0) + (beta?.count ?? 0)
        case .pool, .globalAveragePool, .clamp, .reshape, .zeroPad, .softmax: return 0
        }
    }

    /// Op codes on the wire; never renumbered (a new kind takes a new code).
    var code: UInt8 {
        switch self {
        case .conv2d: return 1
        case .depthwise: return 2
        case .dense: return 3
        case .pool(let mode, _, _): return mode == .max ? 4 : 5
        case .globalAveragePool: return 6
        case .clamp: return 7
        case .affine: return 8
        case .reshape: return 9
        case .zeroPad: return 10
        case .layerNorm: return 11
        case .softmax: return 12
        }
    }
}

/// A pack that cannot be read, and why.
public struct PackError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit: a pack is checked once, at load.
public enum CRC32 {
    public static func of<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}

// MARK: - Writing

struct PackWriter {
    var data: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { data.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { data.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * i))) } }
    mutating func int(_ v: Int) { u32(UInt32(v)) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func f64(_ v: Double?) { u64((v ?? .nan).bitPattern) }
    mutating func set(at offset: Int, _ v: UInt32) {
        for i in 0..<4 { data[offset + i] = UInt8(truncatingIfNeeded: v >> UInt32(8 * i)) }
    }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        data.append(contentsOf: utf8)
    }
    mutating func shape(_ dims: [Int]) {
        u32(UInt32(dims.count))
        for d in dims { int(d) }
    }
    mutating func indices(_ values: [Int]) {
        u32(UInt32(values.count))
        for v in values { int(v) }
    }
    mutating func floats(_ values: [Float]) {
        u32(UInt32(values.count))
        while data.count % 4 != 0 { data.append(0) }
        for v in values { f32(v) }
    }
    mutating func optionalFloats(_ values: [Float]?) {
        u8(values == nil ? 0 : 1)
        if let values { floats(values) }
    }
    mutating func geometry(_ g: WindowGeometry) {
        for v in [g.inputHeight, g.inputWidth, g.kernelHeight, g.kernelWidth, g.strideY, g.strideX,
                  g.padTop, g.padBottom, g.padLeft, g.padRight] { int(v) }
    }
    mutating func activation(_ a: FusedActivation) { u8(a == .linear ? 0 : a == .relu ? 1 : 2) }

    mutating func features(_ f: FeatureSpec) {
        u8(f.kind == .stft ? 0 : 1)
        for v in [f.frameLength, f.frameStep, f.fftLength, f.resize?[0] ?? 0, f.resize?[1] ?? 0, f.melBins ?? 0,
                  f.coefficients ?? 0, f.sampleRate, f.samples] { int(v) }
        f64(f.lowerHz); f64(f.upperHz); f64(f.logOffset)
    }

    mutating func step(_ s: PackedStep) {
        u8(s.op.code)
        string(s.kernel)
        string(s.kind)
        switch s.op {
        case let .conv2d(g, inChannels, outChannels, kernel, bias, act):
            geometry(g); int(inChannels); int(outChannels); activation(act); floats(kernel); optionalFloats(bias)
        case let .depthwise(g, channels, kernel, bias, act):
            geometry(g); int(channels); activation(act); floats(kernel); floats(bias)
        case let .dense(leading, inFeatures, outFeatures, weights, bias, act):
            shape(leading); int(inFeatures); int(outFeatures); activation(act); floats(weights); optionalFloats(bias)
        case let .pool(_, g, channels):
            geometry(g); int(channels)
        case let .globalAveragePool(input, keepDims):
            shape(input); u8(keepDims ? 1 : 0)
        case let .clamp(dims, act):
            shape(dims); activation(act)
        case let .affine(dims, scale, shift, act):
            shape(dims); activation(act); floats(scale); floats(shift)
        case let .reshape(input, output):
            shape(input); shape(output)
        case let .zeroPad(input, top, bottom, left, right):
            shape(input); int(top); int(bottom); int(left); int(right)
        case let .layerNorm(dims, axes, epsilon, gamma, beta):
            shape(dims); indices(axes); f32(epsilon); optionalFloats(gamma); optionalFloats(beta)
        case let .softmax(dims):
            shape(dims)
        }
    }
}

// MARK: - Reading

/// A bounds-checked cursor over a pack's bytes.
struct PackReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    /// The step being read, for error messages.
    var context = ""

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func fail(_ why: String) -> PackError {
        PackError((context.isEmpty ? "" : context + ": ") + why + " (at byte \(offset))")
    }

    mutating func take(_ n: Int) throws(PackError) -> Int {
        guard n >= 0, n <= bytes.count - offset else { throw fail("truncated: \(n) more bytes needed, \(bytes.count - offset) left") }
        defer { offset += n }
        return offset
    }
    mutating func u8() throws(PackError) -> UInt8 { bytes[try take(1)] }
    mutating func u32() throws(PackError) -> UInt32 {
        let at = try take(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[at + i]) << UInt32(8 * i) }
        return v
    }
    mutating func u64() throws(PackError) -> UInt64 {
        let lo = UInt64(try u32()), hi = UInt64(try u32())
        return lo | hi << 32
    }
    /// A u32 as Int, at most `maxElements` (no field of a pack is larger).
    mutating func int() throws(PackError) -> Int {
        let v = Int(try u32())
        guard v <= PackFile.maxElements else { throw fail("value \(v) out of range") }
        return v
    }
    mutating func count(max: Int, _ what: String) throws(PackError) -> Int {
        let n = Int(try u32())
        guard n <= max else { throw fail("\(n) \(what), more than the \(max) a pack may hold") }
        return n
    }
    mutating func f32() throws(PackError) -> Float { Float(bitPattern: try u32()) }
    mutating func f64() throws(PackError) -> Double? {
        let v = Double(bitPattern: try u64())
        return v.isNaN ? nil : v
    }
    mutating func string() throws(PackError) -> String {
        let n = try count(max: PackFile.maxStringBytes, "string bytes")
        let at = try take(n)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(n)
        for i in 0..<n { utf8.append(bytes[at + i]) }
        return String(decoding: utf8, as: UTF8.self)
    }
    mutating func shape() throws(PackError) -> [Int] {
        let rank = try count(max: PackFile.maxRank, "dimensions")
        var dims: [Int] = []
        var product = 1
        for _ in 0..<rank {
            let d = try int()
            guard d >= 1 else { throw fail("a dimension of 0") }
            product *= d
            guard product <= PackFile.maxElements else { throw fail("a shape of more than \(PackFile.maxElements) elements") }
            dims.append(d)
        }
        return dims
    }
    /// Axis numbers (each below `maxRank`).
    mutating func indices() throws(PackError) -> [Int] {
        let n = try count(max: PackFile.maxRank, "axes")
        var values: [Int] = []
        for _ in 0..<n {
            let v = try int()
            guard v < PackFile.maxRank else { throw fail("axis \(v)") }
            values.append(v)
        }
        return values
    }
    mutating func floats() throws(PackError) -> [Float] {
        let n = try count(max: PackFile.maxElements, "floats")
        while offset % 4 != 0 {
            guard try u8() == 0 else { throw fail("nonzero padding before a float array") }
        }
        let at = try take(4 * n)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = Float(bitPattern: bytes.loadUnaligned(fromByteOffset: at + 4 * i, as: UInt32.self).littleEndian) }
        return values
    }
    mutating func optionalFloats() throws(PackError) -> [Float]? {
        switch try u8() {
        case 0: return nil
        case 1: return try floats()
        case let b: throw fail("presence byte \(b), not 0 or 1")
        }
    }
    mutating func geometry() throws(PackError) -> WindowGeometry {
        let inH = try int(), inW = try int(), kH = try int(), kW = try int(), sY = try int(), sX = try int()
        let pT = try int(), pB = try int(), pL = try int(), pR = try int()
        guard kH >= 1, kW >= 1, sY >= 1, sX >= 1 else { throw fail("a window of \(kH)×\(kW) with strides \(sY), \(sX)") }
        var g = WindowGeometry(inputHeight: inH, inputWidth: inW, kernel: (kH, kW), strides: (sY, sX), same: false)
        g.padTop = pT; g.padBottom = pB; g.padLeft = pL; g.padRight = pR
        guard g.isValid else { throw fail("a \(kH)×\(kW) window that does not fit a \(inH)×\(inW) input") }
        return g
    }
    mutating func activation() throws(PackError) -> FusedActivation {
        switch try u8() {
        case 0: return .linear
        case 1: return .relu
        case 2: return .relu6
        case let b: throw fail("activation code \(b)")
        }
    }

    mutating func features() throws(PackError) -> FeatureSpec {
        let kindCode = try u8()
        guard kindCode <= 1 else { throw fail("feature kind \(kindCode)") }
        let frameLength = try int(), frameStep = try int(), fft = try int(), rh = try int(), rw = try int()
        let melBins = try int(), coefficients = try int(), sampleRate = try int(), samples = try int()
        let lower = try f64(), upper = try f64(), logOffset = try f64()
        let spec = FeatureSpec(kind: kindCode == 0 ? .stft : .mfcc, frameLength: frameLength, frameStep: frameStep,
                               fftLength: fft, resize: rh == 0 && rw == 0 ? nil : [rh, rw],
                               melBins: melBins == 0 ? nil : melBins, lowerHz: lower, upperHz: upper, logOffset: logOffset,
                               coefficients: coefficients == 0 ? nil : coefficients, sampleRate: sampleRate, samples: samples)
        do { try spec.validate() } catch { throw fail(error.message) }
        return spec
    }

    mutating func step(index: Int) throws(PackError) -> PackedStep {
        context = "step \(index)"
        let code = try u8()
        let kernel = try string(), kind = try string()
        context = "step \(index) (\(kind), \(kernel))"
        let op: PackedOp
        switch code {
        case 1:
            let g = try geometry(), cin = try int(), cout = try int(), act = try activation()
            op = .conv2d(g, inChannels: cin, outChannels: cout, kernel: try floats(), bias: try optionalFloats(), activation: act)
        case 2:
            let g = try geometry(), c = try int(), act = try activation()
            op = .depthwise(g, channels: c, kernel: try floats(), bias: try floats(), activation: act)
        case 3:
            let leading = try shape(), k = try int(), n = try int(), act = try activation()
            op = .dense(leadingShape: leading, inFeatures: k, outFeatures: n, weights: try floats(), bias: try optionalFloats(), activation: act)
        case 4, 5:
            op = .pool(code == 4 ? .max : .average, try geometry(), channels: try int())
        case 6:
            let input = try shape()
            op = .globalAveragePool(inputShape: input, keepDims: try u8() == 1)
        case 7:
            let dims = try shape()
            op = .clamp(shape: dims, activation: try activation())
        case 8:
            let dims = try shape(), act = try activation()
            op = .affine(shape: dims, scale: try floats(), shift: try floats(), activation: act)
        case 9:
            let input = try shape()
            op = .reshape(inputShape: input, outputShape: try shape())
        case 10:
            let input = try shape()
            op = .zeroPad(inputShape: input, top: try int(), bottom: try int(), left: try int(), right: try int())
        case 11:
            let dims = try shape(), axes = try indices()
            op = .layerNorm(shape: dims, axes: axes, epsilon: try f32(), gamma: try optionalFloats(), beta: try optionalFloats())
        case 12:
            op = .softmax(shape: try shape())
        default:
            throw fail("unknown op code \(code)")
        }
        context = ""
        return PackedStep(op: op, kernel: kernel, kind: kind)
    }
}
