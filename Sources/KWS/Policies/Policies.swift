/// The decision rules of the two deployments (seed sections 1.2 and 2.2), transport-free: they see
/// `Scores` and byte counts, never sockets. Used in-process by `eval` and over the network by
/// the REST (Big/Little) and MQTT (cooperative) clients.
public enum Policies {
    /// The outcome of a majority vote.
    public struct Vote: Sendable, Equatable, Codable {
        /// The winning class id.
        public var label: Int
        /// How many networks voted for it.
        public var votes: Int
        /// Every label that had the top vote count (one element when there was no tie), ascending.
        public var tiedLabels: [Int]
        /// When there was a tie: the index (in the input) of the network whose score margin decided it.
        public var tieBrokenBy: Int?
        public var wasTie: Bool { tiedLabels.count > 1 }
    }

    /// Majority voting over N networks' scores (all over the same classes); seed 2.2.
    ///
    /// Each network votes for its top class. The label with most votes wins. On a tie between labels, the
    /// networks that voted for one of the tied labels are compared by their own score margin, and the label
    /// of the most certain one wins (if two margins are exactly equal, the earlier network in the input).
    /// Networks that voted for a label outside the tie cannot decide it. Returns nil for no scores.
    public static func majorityVote(_ scores: [Scores]) -> Vote? {
        guard !scores.isEmpty else { return nil }
        var counts: [Int: Int] = [:]
        for s in scores { counts[s.top, default: 0] += 1 }
        let most = counts.values.max()!
        let tied = counts.filter { $0.value == most }.map(\.key).sorted()
        if tied.count == 1 { return Vote(label: tied[0], votes: most, tiedLabels: tied, tieBrokenBy: nil) }
        var decider = -1, bestMargin = -Float.infinity
        for (i, s) in scores.enumerated() where tied.contains(s.top) && s.margin > bestMargin {
            bestMargin = s.margin
            decider = i
        }
        return Vote(label: scores[decider].top, votes: most, tiedLabels: tied, tieBrokenBy: decider)
    }
}

/// A communication budget that is never exceeded: a request is allowed only if its bytes still fit.
/// 4.5 MB in the seed means 4.5·2²⁰ bytes.
public struct BigLittleBudget: Sendable, Equatable {
    public let budgetBytes: Int
    public private(set) var spentBytes = 0
    public private(set) var requests = 0

    public init(budgetBytes: Int) { self.budgetBytes = max(0, budgetBytes) }
    /// `megabytes`·2²⁰ bytes, rounded down.
    public init(megabytes: Double) { self.init(budgetBytes: Int((megabytes * 1_048_576).rounded(.down))) }

    public var remainingBytes: Int { budgetBytes - spentBytes }

    /// Spends `bytes` and returns true if they fit in what remains; otherwise spends nothing, returns false.
    public mutating func trySpend(_ bytes: Int) -> Bool {
        guard bytes >= 0, bytes <= remainingBytes else { return false }
        spentBytes += bytes
        requests += 1
        return true
    }
}

/// The Big/Little success checker (seed 1.2): keep the little network's answer when its score margin is at
/// least θ; otherwise ask the big network, if the request's bytes (given by the caller: the size of the
/// request body for its payload kind) still fit in the budget.
public struct BigLittlePolicy: Sendable {
    public enum Decision: String, Sendable, Codable {
        /// The little network is sure enough.
        case keepLittle = "little"
        /// Unsure, and the budget allows a request: ask the big network (bytes already spent).
        case askBig = "big"
        /// Unsure, but the request would exceed the budget: keep the little answer.
        case keepLittleOverBudget = "little_over_budget"
    }

    public let theta: Float
    public private(set) var budget: BigLittleBudget

    public init(theta: Float, budget: BigLittleBudget) {
        self.theta = theta
        self.budget = budget
    }

    /// Decides for one clip from the little network's scores; when the answer is `.askBig`, `requestBytes`
    /// have been charged to the budget.
    public mutating func decide(little: Scores, requestBytes: Int) -> Decision {
        guard little.margin < theta else { return .keepLittle }
        return budget.trySpend(requestBytes) ? .askBig : .keepLittleOverBudget
    }
}
