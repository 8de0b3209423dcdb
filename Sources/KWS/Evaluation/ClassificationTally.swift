/// Counts predictions against the truth: accuracy, confusion matrix, per-class recall, per-voice accuracy.
public struct ClassificationTally: Sendable {
    public let labels: [String]
    /// confusion[truth][predicted]
    public private(set) var confusion: [[Int]]
    public private(set) var voices: [String: (correct: Int, n: Int)] = [:]

    public init(labels: [String]) {
        self.labels = labels
        confusion = Array(repeating: Array(repeating: 0, count: labels.count), count: labels.count)
    }

    public mutating func add(truth: Int, predicted: Int, voice: String) {
        confusion[truth][predicted] += 1
        let v = voices[voice] ?? (0, 0)
        voices[voice] = (v.correct + (truth == predicted ? 1 : 0), v.n + 1)
    }

    public var n: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { labels.indices.reduce(0) { $0 + confusion[$1][$1] } }
    public var accuracy: Double { n == 0 ? 0 : Double(correct) / Double(n) }

    /// Recall of each class (correct / clips of that class); nil for a class with no clips.
    public var recall: [Double?] {
        labels.indices.map { i in
            let total = confusion[i].reduce(0, +)
            return total == 0 ? nil : Double(confusion[i][i]) / Double(total)
        }
    }

    public struct VoiceResult: Codable, Sendable {
        public var n: Int
        public var correct: Int
        public var accuracy: Double
    }

    public var perVoice: [String: VoiceResult] {
        voices.mapValues { VoiceResult(n: $0.n, correct: $0.correct, accuracy: Double($0.correct) / Double($0.n)) }
    }
}
