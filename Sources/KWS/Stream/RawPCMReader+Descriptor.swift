import DSP
import Foundation

extension RawPCMReader {
    /// Reads from a POSIX file descriptor (standard input is 0), retrying a read a signal interrupted.
    public convenience init(fileDescriptor: Int32, chunkBytes: Int = 1280) {
        self.init(chunkBytes: chunkBytes) { buffer, count in
            while true {
                let n = Foundation.read(fileDescriptor, buffer, count)
                if n < 0 && errno == EINTR { continue }
                return n
            }
        }
    }
}

extension StreamInputError: Equatable {
    public static func == (a: StreamInputError, b: StreamInputError) -> Bool { a.message == b.message }
}
