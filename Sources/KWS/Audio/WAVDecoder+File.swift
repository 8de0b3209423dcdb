import DSP
import Foundation

/// Reading a WAV file from disk: the desktop side of `WAVDecoder` (decoding bytes is in DSP).
extension WAVDecoder {
    public static func decode(contentsOf path: String) throws(WAVError) -> [Float] {
        let bytes = try readBytes(path)
        do {
            return try decode(bytes)
        } catch {
            var e = error
            e.path = path
            throw e
        }
    }

    public static func readBytes(_ path: String) throws(WAVError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WAVError(.unreadable, "cannot read the file (missing, a directory, or not permitted)", path: path)
        }
        return [UInt8](data)
    }
}
