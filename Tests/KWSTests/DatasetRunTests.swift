import Foundation
import KWS
import Testing

/// The one dataset loop: what it decodes, what it counts, what it skips.
@Suite struct DatasetRunTests {
    /// A dataset of three real clips and one file that is not a WAV.
    func dataset() throws -> (TemporaryDirectory, Dataset) {
        let dir = TemporaryDirectory()
        let fm = FileManager.default
        for label in ["yes", "go"] { try fm.createDirectory(atPath: "\(dir.path)/\(label)", withIntermediateDirectories: true) }
        let bundled = TestPaths.path("data")
        let yes = try fm.contentsOfDirectory(atPath: "\(bundled)/yes").filter { $0.hasSuffix(".wav") }.sorted()
        let go = try fm.contentsOfDirectory(atPath: "\(bundled)/go").filter { $0.hasSuffix(".wav") }.sorted()
        try fm.copyItem(atPath: "\(bundled)/yes/\(yes[0])", toPath: "\(dir.path)/yes/a.wav")
        try fm.copyItem(atPath: "\(bundled)/yes/\(yes[1])", toPath: "\(dir.path)/yes/b.wav")
        try fm.copyItem(atPath: "\(bundled)/go/\(go[0])", toPath: "\(dir.path)/go/c.wav")
        try Data("RIFF, but not really".utf8).write(to: URL(fileURLWithPath: "\(dir.path)/go/d.wav"))
        return (dir, try Dataset(directory: dir.path))
    }

    @Test func everyClipIsDecodedOnceTalliedAgainstItsTruthAndABrokenOneIsSkipped() async throws {
        let (dir, data) = try dataset()
        defer { dir.cleanup() }
        let yes = Labels.all.firstIndex(of: "yes")!, go = Labels.all.firstIndex(of: "go")!
        // Clip order is sorted by path: go/c, go/d (broken), yes/a, yes/b. Answer "yes" to everything.
        var seen: [Int] = []
        var progress: [Int] = []
        let result = await DatasetRun.run(data.clips, labels: data.labels, onProgress: { progress.append($0) }) { clip in
            seen.append(clip.index)
            #expect(clip.samples.count == 16_000)
            #expect(clip.samples == (try? WAVDecoder.decode(contentsOf: clip.clip.path)))
            return DatasetRun.Answer(label: yes)
        }
        #expect(seen == [0, 2, 3])
        #expect(progress == [1, 2, 3, 4])
        #expect(result.predictions == [yes, nil, yes, yes])
        #expect(result.errors.count == 1 && result.errors[0].path.hasSuffix("go/d.wav"))
        #expect(result.errors[0].message.contains("go/d.wav"))
        #expect(result.tally.n == 3 && result.tally.correct == 2)
        #expect(result.tally.confusion[go][yes] == 1 && result.tally.confusion[yes][yes] == 2)
    }

    @Test func anAnswerThatThrowsIsAnErrorNotALabel() async throws {
        let (dir, data) = try dataset()
        defer { dir.cleanup() }
        struct Refused: Error {}
        let result = await DatasetRun.run(data.clips, labels: data.labels) { clip in
            if clip.index == 0 { throw Refused() }
            return DatasetRun.Answer(label: clip.clip.label)
        }
        #expect(result.predictions[0] == nil && result.errors.count == 2)
        #expect(result.tally.n == 2 && result.tally.accuracy == 1)
    }

    @Test func anAnswerOutsideTheLabelsIsAnErrorNotACrash() async throws {
        let (dir, data) = try dataset()
        defer { dir.cleanup() }
        let result = await DatasetRun.run(data.clips, labels: data.labels) { _ in DatasetRun.Answer(label: data.labels.count) }
        #expect(result.tally.n == 0 && result.errors.count == 4)
        #expect(result.errors.contains { $0.message.contains("outside the \(data.labels.count) labels") })
    }

    /// A listening network (ten labels) on an eight-label dataset: the truth is found in its labels by name,
    /// its answers are tallied over all ten, and Keras's predictions (in the same ten) compare directly.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.path("weights/little-listen.h5"))))
    func aListeningNetworkIsTalliedOverItsOwnLabels() async throws {
        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"))
        let spotter = try zoo.spotter("little-listen")
        let full = try Dataset(directory: TestPaths.path("data"), splitFile: TestPaths.path("data/test_split.txt"))
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try full.clips.prefix(20).map(\.relativePath).joined(separator: "\n").write(toFile: dir.path + "/split.txt", atomically: true, encoding: .utf8)
        let data = try Dataset(directory: TestPaths.path("data"), splitFile: dir.path + "/split.txt")
        let result = try await Evaluator(dataset: data).single(spotter)
        #expect(result.tally.labels == spotter.labels && result.errors.isEmpty && result.tally.n == 20)
        for (clip, p) in zip(data.clips, result.predictions) {
            #expect(p == (try spotter.classify(samples: WAVDecoder.decode(contentsOf: clip.path)).label))
        }
        let keras = try #require(try zoo.entry("little-listen").kerasTestPredictions)
        #expect(result.predictions.map { $0! } == Array(keras.prefix(20)))
    }

    @Test func labelsFromElsewhereAreTalliedTheSameWay() throws {
        let (dir, data) = try dataset()
        defer { dir.cleanup() }
        let truth = data.clips.map(\.label)
        let r = DatasetRun.Result(clips: data.clips, labels: data.labels, predictions: [truth[0], nil, truth[2], 0])
        #expect(r.tally.n == 3 && r.tally.correct == (truth[3] == 0 ? 3 : 2))
    }
}
