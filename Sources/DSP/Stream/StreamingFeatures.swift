/// A network's input features over the last second of a stream, updated as PCM samples arrive in chunks of
/// any size. Each STFT frame is computed once, when its last sample arrives, and kept in a ring of the last
/// `spec.frames` frames (STFT magnitudes for `stft`, finished MFCC rows for `mfcc`); every `hopSamples` the
/// window's features are produced from that ring (little: the 64×64 bilinear resize of the ring; big: the
/// ring's rows as they are). All buffers are sized at init; `append` allocates nothing.
///
/// The window equals `FeatureExtractor` on the last `spec.samples` samples (zero samples before the stream
/// starts) because frames are computed on the stream's own grid of `frameStep` samples, and the clip path's
/// frames start at the window's first sample: the two grids agree when the window starts on a multiple of
/// `frameStep`, i.e. when the hop and `spec.samples` are multiples of `frameStep` and the frame length is too
/// (256 = 2·128, 640 = 2·320, 16000 = 125·128 = 50·320). `init` rejects a hop that is not a multiple of the
/// frame step: little can hop by multiples of 8 ms, big by multiples of 20 ms, both by multiples of 40 ms.
public final class StreamingFeatures {
    public let spec: FeatureSpec
    public let tables: FeatureTables
    /// Samples between two windows; a multiple of `spec.frameStep`.
    public let hopSamples: Int
    /// Floats of one window's features (`spec.outputShape`'s product).
    public let outputCount: Int
    /// Floats per ring row: magnitude bins (stft) or coefficients (mfcc).
    public let rowWidth: Int
    /// Samples heard so far (not counting the silent second assumed before the stream).
    public private(set) var samplesConsumed = 0

    private let frames: Int
    private let framesPerHop: Int
    private let scratch: STFTMagnitude.Scratch
    /// The samples of the frame being filled: the last `frameLength − frameStep` samples of the previous
    /// frame, then new ones; `pendingCount` of `frameLength` are valid.
    private var pending: [Float]
    private var pendingCount: Int
    /// Mirrored ring: row r is stored at r and at r + frames, so the last `frames` rows are always one
    /// contiguous block starting at `ringHead` (the oldest row).
    private var ring: [Float]
    private var ringHead = 0
    private var framesSinceWindow = 0
    private var magnitudeRow: [Float]
    private var melRow: [Float]
    private var output: [Float]

    /// - Parameter hopSamples: samples between windows; must be a positive multiple of `spec.frameStep`.
    /// `StreamingFeatures(tables: try FeatureTables(spec: spec), hopSamples:)` anywhere; on the desktop
    /// `StreamingFeatures(spec:hopSamples:)` (KWS) uses the process's shared tables.
    public init(tables: FeatureTables, hopSamples: Int) throws(FeatureSpecError) {
        let spec = tables.spec
        self.tables = tables
        guard hopSamples > 0, hopSamples % spec.frameStep == 0 else {
            throw FeatureSpecError(message: "hop of \(hopSamples) samples: streaming \(spec.kind.rawValue) features need a positive multiple of the frame step, \(spec.frameStep) samples (\(Self.millis(spec.frameStep, spec.sampleRate)) ms), so that every window's frames are the clip path's")
        }
        guard spec.frameLength % spec.frameStep == 0, spec.samples % spec.frameStep == 0 else {
            throw FeatureSpecError(message: "streaming features need frame_length and samples to be multiples of frame_step (got \(spec.frameLength), \(spec.samples), \(spec.frameStep))")
        }
        self.spec = spec
        self.hopSamples = hopSamples
        outputCount = spec.outputShape.reduce(1, *)
        frames = spec.frames
        framesPerHop = hopSamples / spec.frameStep
        rowWidth = spec.kind == .mfcc ? (spec.coefficients ?? 0) : spec.bins
        scratch = tables.stft.makeScratch()
        pending = [Float](repeating: 0, count: spec.frameLength)
        pendingCount = spec.frameLength - spec.frameStep
        ring = [Float](repeating: 0, count: 2 * frames * rowWidth)
        magnitudeRow = [Float](repeating: 0, count: spec.bins)
        melRow = [Float](repeating: 0, count: spec.melBins ?? 0)
        output = [Float](repeating: 0, count: outputCount)
        reset()
    }

    /// Milliseconds of `samples` at `rate`: "8", or "8.25" with two decimals when not whole.
    static func millis(_ samples: Int, _ rate: Int) -> String {
        guard rate > 0 else { return "?" }
        if (samples * 1000) % rate == 0 { return String(samples * 1000 / rate) }
        let hundredths = (samples * 100_000 + rate / 2) / rate
        let fraction = hundredths % 100
        return String(hundredths / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// Back to the state of a fresh stream: a second of silence heard, nothing consumed.
    public func reset() {
        samplesConsumed = 0
        ringHead = 0
        framesSinceWindow = 0
        pendingCount = spec.frameLength - spec.frameStep
        for i in 0..<pending.count { pending[i] = 0 }
        // Every ring row is the row of an all-zero frame.
        computeRow()
        ring.withUnsafeMutableBufferPointer { r in
            let base = r.baseAddress!
            for row in 1..<(2 * frames) { (base + row * rowWidth).update(from: base, count: rowWidth) }
        }
        for i in 0..<pending.count { pending[i] = 0 }
    }

    /// Consumes `samples`; calls `onWindow(features, endSample)` for every hop completed, with the window's
    /// `outputCount` features (valid only during the call) and the stream position of the window's end.
    public func append(_ samples: UnsafeBufferPointer<Float>,
                       onWindow: (UnsafeBufferPointer<Float>, Int) -> Void) {
        var i = 0
        let length = spec.frameLength, step = spec.frameStep
        while i < samples.count {
            let take = min(length - pendingCount, samples.count - i)
            pending.withUnsafeMutableBufferPointer { p in
                (p.baseAddress! + pendingCount).update(from: samples.baseAddress! + i, count: take)
            }
            pendingCount += take
            i += take
            samplesConsumed += take
            guard pendingCount == length else { continue }
            computeRow()
            pending.withUnsafeMutableBufferPointer { p in
                p.baseAddress!.update(from: p.baseAddress! + step, count: length - step)
            }
            pendingCount = length - step
            framesSinceWindow += 1
            if framesSinceWindow == framesPerHop {
                framesSinceWindow = 0
                writeFeatures()
                output.withUnsafeBufferPointer { onWindow($0, samplesConsumed) }
            }
        }
    }

    /// The ring's rows of the current window (oldest first), `spec.frames × rowWidth` floats.
    public func withFrames<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        ring.withUnsafeBufferPointer { r in
            body(UnsafeBufferPointer(start: r.baseAddress! + ringHead * rowWidth, count: frames * rowWidth))
        }
    }

    /// Computes the row of the frame in `pending` and pushes it as the newest ring row.
    private func computeRow() {
        let width = rowWidth, frames = self.frames
        let slot = ringHead
        ring.withUnsafeMutableBufferPointer { r in
            let first = r.baseAddress! + slot * width
            pending.withUnsafeBufferPointer { p in
                switch spec.kind {
                case .stft:
                    tables.stft.compute(p, samples: spec.frameLength, into: UnsafeMutableBufferPointer(start: first, count: width), scratch: scratch)
                case .mfcc:
                    magnitudeRow.withUnsafeMutableBufferPointer { mag in
                        melRow.withUnsafeMutableBufferPointer { mel in
                            tables.stft.compute(p, samples: spec.frameLength, into: mag, scratch: scratch)
                            tables.mel?.apply(UnsafeBufferPointer(mag), frames: 1, into: mel)
                            FeatureSpec.logInPlace(mel, offset: Float(spec.logOffset ?? 0))
                            tables.dct?.apply(UnsafeBufferPointer(mel), frames: 1, into: UnsafeMutableBufferPointer(start: first, count: width))
                        }
                    }
                }
            }
            // The oldest row's slot now holds the newest row; mirror it and move the head past it.
            (first + frames * width).update(from: first, count: width)
        }
        ringHead = (slot + 1) % frames
    }

    private func writeFeatures() {
        withFrames { window in
            output.withUnsafeMutableBufferPointer { out in
                if spec.kind == .stft, let resize = tables.resize {
                    resize.apply(window, into: out)
                } else {
                    out.baseAddress!.update(from: window.baseAddress!, count: outputCount)
                }
                spec.compressSTFT(UnsafeMutableBufferPointer(rebasing: out[0..<outputCount]))
            }
        }
    }
}
