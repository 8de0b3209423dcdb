import ArgumentParser
import Dispatch
import Foundation
import KWS
import Serving

// What every subcommand shares: errors and exit statuses, output lines, signals, loading --data.

/// Prints `message` to stderr as an error and returns the exit code to throw (status 1, no usage text).
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    writeStandardError("error: \(message)\n")
    return ExitCode(code)
}

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Compact JSON with sorted keys, one line.
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Writes one line to stdout at once (no buffering).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Runs `action` once on the first of `signals` (instead of the default termination).
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], action: @escaping @Sendable () -> Void) {
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }

    func cancel() { for s in sources { s.cancel() } }
}

extension PayloadKind: ExpressibleByArgument {}

/// Loads `--data DIR`, using DIR/test_split.txt for the order when it exists.
enum DatasetLoading {
    /// The split file in DIR (`test_split.txt`, `val_split.txt`, …) if there is exactly one.
    static func load(_ directory: String, labels: [String]) throws -> Dataset {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let splits = files.filter { $0.hasSuffix("_split.txt") }
        let split = splits.count == 1 ? (directory as NSString).appendingPathComponent(splits[0]) : nil
        return try Dataset(directory: directory, splitFile: split, labels: labels)
    }
}
