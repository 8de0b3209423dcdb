import Foundation

/// Why a raw PCM stream could not be read.
public struct StreamInputError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads raw 16 kHz mono signed 16-bit little-endian PCM (what `arecord -t raw -f S16_LE -r 16000 -c 1`
/// writes) from a file descriptor in chunks, as floats like 16-bit WAV samples. A read may end in the middle
/// of a sample; its first byte waits for the next read. A stream that ends in the middle of a sample (an odd
/// byte count) is an error. Buffers are sized at init; reading allocates nothing.
public final class RawPCMReader {
    public let fileDescriptor: Int32
    /// Bytes read so far.
    public private(set) var bytesRead = 0
    private var bytes: [UInt8]
    private var samples: [Float]
    /// 1 when the previous read ended with the first byte of a sample (kept in `bytes[0]`).
    private var carried = 0

    /// - Parameter chunkBytes: the most bytes one `read` asks for (even; 1280 = 40 ms).
    public init(fileDescriptor: Int32, chunkBytes: Int = 1280) {
        self.fileDescriptor = fileDescriptor
        bytes = [UInt8](repeating: 0, count: max(2, chunkBytes) + 1)
        samples = [Float](repeating: 0, count: max(2, chunkBytes) / 2 + 1)
    }

    /// Waits for the next chunk and passes its samples to `body`; returns false at the end of the stream.
    /// Throws at the end of a stream of an odd number of bytes, or when reading fails.
    public func next(_ body: (UnsafeBufferPointer<Float>) -> Void) throws(StreamInputError) -> Bool {
        while true {
            let n = bytes.withUnsafeMutableBytes { b in
                read(fileDescriptor, b.baseAddress! + carried, b.count - 1 - carried)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StreamInputError("cannot read the input stream: \(String(cString: strerror(errno)))")
            }
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
