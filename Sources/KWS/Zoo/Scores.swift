/// A network's answer as everything after the network reads it: the class probabilities and their top two.
///
/// The one answer type of the product. A network yields logits; `Scores(logits:model:)` turns them into
/// probabilities once, and from there the same value flows through the policies (`BigLittlePolicy`,
/// `Policies.majorityVote`) and both transports: the REST server writes it as SenML and the little client
/// reads it back (`PredictResponse`), the cooperative client builds one from each worker's logits. Nothing
/// downstream recomputes a margin or an arg-max.
public struct Scores: Sendable, Equatable {
    /// One probability per class, in class-id order; never empty.
    public let probabilities: [Float]
    /// The class with the highest probability (the first on equality).
    public let top: Int
    /// The class with the second-highest probability; nil for a single class.
    public let runnerUp: Int?

    /// Probabilities as they are (a softmax output, or probabilities read back from a transport).
    /// `probabilities` must not be empty.
    public init(probabilities: [Float]) {
        precondition(!probabilities.isEmpty, "Scores of no class")
        var first = 0
        var second: Int?
        for i in 1..<probabilities.count {
            if probabilities[i] > probabilities[first] {
                second = first
                first = i
            } else if second.map({ probabilities[i] > probabilities[$0] }) ?? true {
                second = i
            }
        }
        self.probabilities = probabilities
        top = first
        runnerUp = second
    }

    /// The softmax of a network's logits. Throws `NonFiniteOutputError` for a NaN or infinite logit, or
    /// none: such an output has no answer.
    public init(logits: [Float], model: String) throws(NonFiniteOutputError) {
        try NonFiniteOutputError.check(logits, model: model)
        self.init(probabilities: Softmax.probabilities(logits))
    }

    /// The top class's probability.
    public var probability: Float { probabilities[top] }

    /// The seed's score margin (its eq. 1): top − runner-up probability; for a single class, its
    /// probability.
    public var margin: Float { probabilities[top] - (runnerUp.map { probabilities[$0] } ?? 0) }

    /// The top class's name; `class<k>` when `labels` has no name for it.
    public func label(in labels: [String]) -> String { top < labels.count ? labels[top] : "class\(top)" }
}
