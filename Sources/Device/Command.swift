import CDevicePlatform
import DSP
import Runtime

/// A failure the program reports on standard error before exiting with a non-zero status.
struct DeviceError: Error {
    var message: String
    /// 2 for a bad command line, 1 otherwise.
    var status: Int32 = 1
    init(_ message: String, status: Int32 = 1) {
        self.message = message
        self.status = status
    }
}

/// The command line, parsed: a subcommand, its options and its operands.
struct Arguments {
    var command = ""
    var model: String?
    var json = false
    var help = false
    var list: String?
    var operands: [String] = []

    static func parse() throws(DeviceError) -> Arguments {
        var a = Arguments()
        let count = Int(kws_argc())
        var i = 1
        func value(_ option: StaticString) throws(DeviceError) -> String {
            i += 1
            guard let v = argument(i) else {
                var s = "option "
                s += String(decoding: UnsafeBufferPointer(start: option.utf8Start, count: option.utf8CodeUnitCount), as: UTF8.self)
                throw DeviceError(s + " needs a value", status: 2)
            }
            return v
        }
        while i < count {
            let arg = argument(i) ?? ""
            if Text.same(arg, "--help") || Text.same(arg, "-h") {
                a.help = true
            } else if Text.same(arg, "--json") {
                a.json = true
            } else if Text.same(arg, "--model") {
                a.model = try value("--model")
            } else if Text.same(arg, "--list") {
                a.list = try value("--list")
            } else if Text.hasPrefix(arg, "--") {
                throw DeviceError("unknown option " + arg + " (kws-device --help)", status: 2)
            } else if a.command.isEmpty {
                a.command = arg
            } else {
                a.operands.append(arg)
            }
            i += 1
        }
        return a
    }

    static func argument(_ i: Int) -> String? {
        guard let p = kws_argv(Int32(i)) else { return nil }
        return String(cString: p)
    }

    func requireModel() throws(DeviceError) -> String {
        guard let model else { throw DeviceError("--model PACK is required (a pack from `kws-native pack`)", status: 2) }
        return model
    }
}

enum Command {
    static let usage: StaticString = """
        kws-device: keyword spotting from a packed model (kws-native pack), in Embedded Swift.

        usage:
          kws-device infer  --model PACK [--json] [--list FILE] CLIP.wav...
              Classifies each clip (16 kHz mono WAV; shorter ones zero-padded, longer ones cut to 1 s):
              one line per clip "FILE  LABEL  p=SCORE" (SCORE: the top softmax probability), or with
              --json one object per clip {"file","label","class_id","score","logits":[...]} (9 significant
              digits). --list FILE: the clips' paths, one a line (for command lines too short to hold them).
              A clip that cannot be read or decoded gets an error (on stderr, or an {"file","error"} object
              with --json); the others are still classified and the exit status is 1.
          kws-device listen --model PACK [--json] [FILE.wav | -]
              Spots keywords in a stream: a 16 kHz mono WAV of any length, or - (the default) for raw
              16 kHz mono signed 16-bit little-endian PCM on standard input. Every hop the last second is
              classified and the probabilities go to the pack's detector (its hop and settings; kws-native
              listen's defaults for a pack without one). One line per detection "TIME s  LABEL  SCORE", or
              with --json {"label","score","time_s"}; a summary on stderr at the end.
          kws-device info --model PACK
              The pack: name, target, labels, features, detector, steps with their kernels and weights,
              weights and working memory in bytes.

        exit status: 0 success; 1 a failure (missing file, corrupt pack, bad WAV, ...); 2 bad command line.
        """

    static func main() -> Int32 {
        do throws(DeviceError) {
            let args = try Arguments.parse()
            if args.help || args.command.isEmpty {
                var line = Line()
                line.add(usage)
                line.flush(args.help ? 1 : 2)
                return args.help ? 0 : 2
            }
            if Text.same(args.command, "infer") { return try Infer.run(args) }
            if Text.same(args.command, "listen") { return try Listen.run(args) }
            if Text.same(args.command, "info") { return try Info.run(args) }
            throw DeviceError("unknown command '" + args.command + "' (infer, listen, info; kws-device --help)", status: 2)
        } catch {
            Text.error(error.message)
            return error.status
        }
    }
}

/// Files, read whole through the platform layer.
enum Files {
    /// The whole file into `buffer` (grown when too small, never shrunk); returns its size.
    static func read(_ path: String, into buffer: inout [UInt8]) throws(DeviceError) -> Int {
        let size = path.withCString { kws_file_size($0) }
        guard size >= 0 else { throw DeviceError(path + ": cannot open the file (missing, or not a regular file)") }
        if buffer.count < Int(size) { buffer = [UInt8](repeating: 0, count: Int(size)) }
        let got = buffer.withUnsafeMutableBytes { b in path.withCString { kws_file_read($0, b.baseAddress, size) } }
        guard got == size else { throw DeviceError(path + ": cannot read the file") }
        return Int(size)
    }

    static func read(_ path: String) throws(DeviceError) -> [UInt8] {
        var bytes: [UInt8] = []
        let n = try read(path, into: &bytes)
        if bytes.count > n { bytes.removeLast(bytes.count - n) }
        return bytes
    }

    /// The non-empty lines of a text file (a list of paths; a trailing carriage return is dropped).
    static func lines(_ path: String) throws(DeviceError) -> [String] {
        let bytes = try read(path)
        var out: [String] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 10 {
            var end = i
            if end > start, bytes[end - 1] == 13 { end -= 1 }
            if end > start { out.append(String(decoding: bytes[start..<end], as: UTF8.self)) }
            start = i + 1
        }
        return out
    }

    /// A packed model, read and built; a corrupt pack is the pack reader's message.
    static func model(_ path: String) throws(DeviceError) -> PackedModel {
        let bytes = try read(path)
        do throws(PackError) {
            return try bytes.withUnsafeBufferPointer { (b) throws(PackError) in try PackedModel(bytes: UnsafeRawBufferPointer(b)) }
        } catch {
            throw DeviceError(path + ": " + error.message)
        }
    }
}
