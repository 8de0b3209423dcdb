/// The rule for every network output this project hands on: scores are finite, or there is no answer.
///
/// Inputs are checked (finite samples, finite features), but finite inputs can still drive a network out
/// of float range (a clip of ±3e38 samples gives NaN logits). A `Prediction` is only ever built from
/// finite logits (`Prediction.init` throws this otherwise), so every label, probability and score margin
/// downstream — the CLI's lines, the REST answer, a cooperative vote — comes from finite numbers.
public struct NonFiniteOutputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The network that produced the output.
    public var model: String
    /// How many of its outputs were NaN or infinite.
    public var nonFiniteCount: Int
    public var outputCount: Int

    public init(model: String, nonFiniteCount: Int, outputCount: Int) {
        self.model = model
        self.nonFiniteCount = nonFiniteCount
        self.outputCount = outputCount
    }

    public var description: String {
        "\(model): \(nonFiniteCount) of the network's \(outputCount) outputs are NaN or infinite (the input drives it out of float range); no label"
    }

    /// Throws unless every value is finite; the one check every network output goes through.
    public static func check(_ logits: [Float], model: String) throws(NonFiniteOutputError) {
        var bad = 0
        for v in logits where !v.isFinite { bad += 1 }
        if bad > 0 || logits.isEmpty {
            throw NonFiniteOutputError(model: model, nonFiniteCount: bad, outputCount: logits.count)
        }
    }
}
