/// Why a raw PCM stream could not be read.
public struct StreamInputError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads raw 16 kHz mono signed 16-bit little-endian PCM (what `arecord -t raw -f S16_LE -r 16000 -c 1`
/// writes) in chunks, as floats like 16-bit WAV samples. A read may end in the middle of a sample; its first
/// byte waits for the next read. A stream that ends in the middle of a sample (an odd byte count), or that
/// holds no sample at all, is an error. Where the bytes come from is the caller's: `read` fills up to the
/// count it is given and returns how many it wrote, 0 at the end, -1 on an error (a POSIX descriptor on the
/// desktop, `kws_read` on a device). Buffers are sized at init; reading allocates nothing.
public final class RawPCMReader {
    /// Bytes read so far.
    public private(set) var bytesRead = 0
    private let read: (UnsafeMutableRawPointer, Int) -> Int
    private var bytes: [UInt8]
    private var samples: [Float]
    /// 1 when the previous read ended with the first byte of a sample (kept in `bytes[0]`).
    private var carried = 0

    /// - Parameter chunkBytes: the most bytes one `read` asks for (even; 1280 = 40 ms).
    public init(chunkBytes: Int = 1280, read: @escaping (UnsafeMutableRawPointer, Int) -> Int) {
        self.read = read
        bytes = [UInt8](repeating: 0, count: max(2, chunkBytes) + 1)
        samples = [Float](repeating: 0, count: max(2, chunkBytes) / 2 + 1)
    }

    /// Waits for the next chunk and passes its samples to `body`; returns false at the end of the stream.
    /// Throws at the end of a stream of an odd number of bytes, or when reading fails.
    public func next(_ body: (UnsafeBufferPointer<Float>) -> Void) throws(StreamInputError) -> Bool {
        while true {
            let n = bytes.withUnsafeMutableBytes { b in read(b.baseAddress! + carried, b.count - 1 - carried) }
            if n < 0 { throw StreamInputError("cannot read the input stream") }
            if n == 0 {
                guard carried == 0 else {
                    throw StreamInputError("truncated stream: it ended after \(bytesRead) bytes, an odd count, in the middle of a 16-bit sample (expected raw 16 kHz mono signed 16-bit little-endian PCM)")
                }
                return false
            }
            bytesRead += n
            let available = carried + n
            let whole = available / 2
            if whole > 0 {
                bytes.withUnsafeBytes { b in
                    samples.withUnsafeMutableBufferPointer { s in
                        WAVDecoder.convertS16LE(UnsafeRawBufferPointer(rebasing: b[0..<(2 * whole)]), into: s.baseAddress!)
                    }
                }
                samples.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<whole])) }
            }
            carried = available % 2
            if carried == 1 { bytes[0] = bytes[available - 1] }
            if whole > 0 { return true }
        }
    }
}
