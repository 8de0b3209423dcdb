import Foundation
import Serving
import Testing

/// The `kws-native` binary as scripts drive it: messages and exit statuses.
/// The binary is the one SwiftPM built next to this test bundle.
enum CLI {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let binary: String? = {
        let dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [dir.appendingPathComponent("kws-native").path, root + "/.build/debug/kws-native"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var available: Bool {
        binary != nil && FileManager.default.fileExists(atPath: root + "/weights/manifest.json")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary in the package root (so weights/ and data/ are the defaults). It awaits the child's exit
    /// instead of blocking in `waitUntilExit()`: Swift Testing runs tests on the cooperative pool (one thread a
    /// core), and two tests blocked there for a child's lifetime starved every other test's tasks, servers'
    /// handlers included (a REST test once waited 108 s for a 1 s run).
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    whileRunning: (Process) async throws -> Void = { _ in }) async throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let dir = NSTemporaryDirectory() + "kws-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        p.standardOutput = out
        p.standardError = err
        let (exits, exited) = AsyncStream.makeStream(of: Int32.self)
        p.terminationHandler = { exited.yield($0.terminationStatus); exited.finish() }
        try p.run()
        do { try await whileRunning(p) } catch { kill(p.processIdentifier, SIGTERM); _ = await exits.first { _ in true }; throw error }
        let status = await exits.first { _ in true } ?? -1
        try out.close(); try err.close()
        return Run(status: status,
                   stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
    }

    static func float32WAV(_ samples: [Float]) -> Data {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
        let data = samples.flatMap { le32($0.bitPattern) }
        let fmt = le16(3) + le16(1) + le32(16000) + le32(64000) + le16(4) + le16(32)
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt + Array("data".utf8) + le32(UInt32(data.count)) + data
        return Data(Array("RIFF".utf8) + le32(UInt32(body.count)) + body)
    }

    static func firstBundledClip() throws -> String {
        let split = try String(contentsOfFile: root + "/data/test_split.txt", encoding: .utf8)
        return root + "/data/" + (split.split(separator: "\n").first.map(String.init) ?? "")
    }
}

struct Scratch {
    let path = NSTemporaryDirectory() + "kws-cli-data-" + UUID().uuidString
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    func write(_ rel: String, _ data: Data) throws -> String {
        let full = path + "/" + rel
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite(.serialized, .enabled(if: CLI.available)) struct InferAndEvalExitTests {
    @Test func inferOnNaNSamplesIsAnErrorAndTheOtherFilesAreStillClassified() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let nan = try s.write("nan.wav", CLI.float32WAV([0.1, .nan, 0.2]))
        let empty = try s.write("empty.wav", CLI.float32WAV([]))
        let huge = try s.write("huge.wav", CLI.float32WAV((0..<16000).map { $0 % 2 == 0 ? 3e38 : -3e38 }))
        let good = try CLI.firstBundledClip()
        let text = try await CLI.run(["infer", nan, good, empty, "--model", "big"])
        #expect(text.status == 1)
        #expect(text.stderr.contains("nan.wav") && text.stderr.contains("NaN or infinite"), "\(text.stderr)")
        #expect(text.stderr.contains("empty.wav") && text.stderr.contains("no samples"), "\(text.stderr)")
        #expect(!text.stdout.contains("nan"), "no label for the NaN file: \(text.stdout)")
        #expect(text.stdout.split(separator: "\n").count == 1, "the good file is classified: \(text.stdout)")

        let json = try await CLI.run(["infer", nan, huge, good, "--model", "big", "--json"])
        #expect(json.status == 1)
        let lines = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 3, "one object per file: \(json.stdout) \(json.stderr)")
        #expect(lines.first?["error"] as? String != nil && (lines.first?["file"] as? String) == nan)
        #expect((lines.dropFirst().first?["error"] as? String)?.contains("NaN or infinite") == true, "huge values: \(lines)")
        #expect(lines.last?["label"] as? String != nil, "the last file still gets its label")
    }

    @Test func evalSkipsBadClipsCountsNoLabelForThemAndFollowsSymlinkedLabels() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let good = try CLI.firstBundledClip()
        let label = URL(fileURLWithPath: good).deletingLastPathComponent().lastPathComponent
        _ = try s.write("data/down/nan__1.wav", CLI.float32WAV([0.1, .nan]))
        _ = try s.write("elsewhere/\(label)/good__1.wav", try Data(contentsOf: URL(fileURLWithPath: good)))
        if label != "down" {
            try FileManager.default.createSymbolicLink(atPath: s.path + "/data/\(label)", withDestinationPath: s.path + "/elsewhere/\(label)")
        } else {
            try FileManager.default.createSymbolicLink(atPath: s.path + "/data/yes", withDestinationPath: s.path + "/elsewhere/down")
        }
        let r = try await CLI.run(["eval", "--model", "little", "--data", s.path + "/data", "--json"])
        #expect(r.status == 1, "a skipped clip makes the run fail")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout) \(r.stderr)")
        #expect(report["n"] as? Int == 1, "only the good clip (in a symlinked label folder) is counted: \(report)")
        #expect(r.stderr.contains("nan__1.wav"))
        #expect(report["reference_accuracy"] == nil, "no Keras reference for a directory that is not the bundled split")
    }

    @Test func evalRefusesASplitLineThatLeavesTheDirectory() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let split = try s.write("split.txt", Data("down/../../etc/passwd\n".utf8))
        let r = try await CLI.run(["eval", "--model", "little", "--split", split])
        #expect(r.status == 1 && r.stderr.contains("leaves"), "\(r.stderr)")
    }
}

/// `coop` exit statuses: 2 for unanswered clips, 3 when the private broker dies.
@Suite(.serialized,
       .enabled(if: CLI.available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/mosquitto")))
struct CoopExitTests {
    @Test func unansweredClipsExitWithStatus2() async throws {
        // A broker with no workers: nobody answers.
        let broker = try MosquittoBroker()
        try broker.start()
        defer { broker.stop() }
        let r = try await CLI.run(["coop", "--broker", broker.url, "--models", "1", "--limit", "3",
                             "--timeout-ms", "100", "--warmup-seconds", "0.3", "--json"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("3 of 3 clips got no vote"), "\(r.stderr)")
    }

    @Test func aDeadPrivateBrokerExitsWithStatus3() async throws {
        let r = try await CLI.run(["coop", "--models", "2", "--limit", "400", "--timeout-ms", "500"]) { p in
            // Wait until the run's mosquitto has its client and both workers, then kill it.
            let deadline = Date().addingTimeInterval(240)
            while Date() < deadline {
                if let (pid, log) = privateBroker(of: p.processIdentifier),
                   log.components(separatedBy: "New client connected").count - 1 >= 3 {
                    kill(pid, SIGKILL)
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw BrokerGone()
        }
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("private broker"), "\(r.stderr)")
    }

    struct BrokerGone: Error {}

    /// The mosquitto child of `parent` and its log (found through /proc and its -c config path).
    func privateBroker(of parent: Int32) -> (Int32, String)? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for e in entries {
            guard let pid = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8) else { continue }
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            guard fields.count > 2, Int32(fields[1]) == parent, stat.contains("(mosquitto)") else { continue }
            guard let cmd = try? String(contentsOfFile: "/proc/\(e)/cmdline", encoding: .utf8) else { continue }
            let args = cmd.split(separator: "\0").map(String.init)
            guard let i = args.firstIndex(of: "-c"), i + 1 < args.count else { continue }
            let log = (try? String(contentsOfFile: (args[i + 1] as NSString).deletingLastPathComponent + "/mosquitto.log", encoding: .utf8)) ?? ""
            return (pid, log)
        }
        return nil
    }
}

/// `plan` writes a plan; `--plan FILE` runs it, and refuses one made for another model (non-zero exit, a
/// message naming the plan, the op and why).
@Suite(.serialized, .enabled(if: CLI.available)) struct PlanFileTests {
    @Test func planWrittenThenRunAndAWrongOneRefused() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let file = s.path + "/little.json"
        let written = try await CLI.run(["plan", "--model", "little", "--out", file])
        #expect(written.status == 0, "\(written.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        let ops = object?["ops"] as? [[String: Any]] ?? []
        #expect(!ops.isEmpty && ops.allSatisfy { $0["kernel"] is String && $0["needs"] is [Any] && $0["output_shape"] is [Any] })

        let clip = try CLI.firstBundledClip()
        let ran = try await CLI.run(["infer", clip, "--model", "little", "--plan", file, "--json"])
        #expect(ran.status == 0 && ran.stdout.contains("\"label\""), "\(ran.stderr)")

        let wrong = try await CLI.run(["infer", clip, "--model", "big", "--plan", file])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains(file) && wrong.stderr.contains("made for model"), "\(wrong.stderr)")

        var edited = object!
        var first = ops
        let i = first.firstIndex { ($0["kind"] as? String) == "dwconv" } ?? 0
        first[i]["kernel"] = "f32-dwconv-9x9-neon"
        edited["ops"] = first
        let bad = try s.write("bad.json", try JSONSerialization.data(withJSONObject: edited))
        let refused = try await CLI.run(["profile", "--model", "little", "--runs", "1", "--plan", bad])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("op \(i)") && refused.stderr.contains("f32-dwconv-9x9-neon"), "\(refused.stderr)")

        // verify --plan checks the plan's own network (it tried all nine and failed the eight others).
        let verified = try await CLI.run(["verify", "--plan", file, "--json"])
        #expect(verified.status == 0, "\(verified.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
        let plans = report?["plans"] as? [[String: Any]] ?? []
        #expect(plans.count == 1 && (plans.first?["networks"] as? [String]) == ["little"], "\(verified.stdout.prefix(300))")
    }

    /// A packed model for a device target, run here: `pack` writes it, `infer --model FILE.kwspack` runs it and
    /// answers as the Keras file does; a damaged pack is an error naming the file.
    @Test func packWrittenThenRunAndADamagedOneRefused() async throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let file = s.path + "/little-listen.kwspack"
        let packed = try await CLI.run(["pack", "--model", "little-listen", "--target", "cortex-m4", "--out", file, "--json"])
        #expect(packed.status == 0, "\(packed.stderr)")
        #expect(packed.stdout.contains("\"target\":\"cortex-m4\"") && packed.stdout.contains("f32-conv-scalar-direct"), "\(packed.stdout)")
        let clip = try CLI.firstBundledClip()
        let fromPack = try await CLI.run(["infer", clip, "--model", file, "--json"])
        let fromKeras = try await CLI.run(["infer", clip, "--model", "little-listen", "--json"])
        #expect(fromPack.status == 0 && fromKeras.status == 0, "\(fromPack.stderr) \(fromKeras.stderr)")
        func label(_ out: String) -> String? {
            (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["label"] as? String
        }
        #expect(label(fromPack.stdout) != nil && label(fromPack.stdout) == label(fromKeras.stdout))

        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0xFF
        let damaged = try s.write("damaged.kwspack", bytes)
        let refused = try await CLI.run(["infer", clip, "--model", damaged])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("damaged.kwspack") && refused.stderr.contains("CRC-32"), "\(refused.stderr)")

        let badTarget = try await CLI.run(["pack", "--model", "little", "--target", "pdp-11", "--out", s.path + "/x"])
        #expect(badTarget.status == 64 && badTarget.stderr.contains("cortex-m4"), "\(badTarget.stderr)")
    }
}
