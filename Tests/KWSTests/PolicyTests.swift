import Foundation
import KWS
import Testing

@Suite struct PolicyTests {
    /// Scores against a naive reference: sort the classes by probability (stable, so the first of equals
    /// stays first) and read the top two off the sorted list.
    @Test func scoresAreTheTopTwoOfTheProbabilities() {
        func reference(_ p: [Float]) -> (top: Int, runnerUp: Int?, margin: Float) {
            let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
            return (order[0], order.count > 1 ? order[1] : nil, p[order[0]] - (order.count > 1 ? p[order[1]] : 0))
        }
        var rng = SystemRandomNumberGenerator()
        var cases: [[Float]] = [[0.1, 0.6, 0.3], [0.5, 0.5], [1], [0.3, 0.3, 0.4], [0.2, 0.4, 0.4], [0.7, 0.1, 0.1, 0.1]]
        for _ in 0..<200 {
            let n = Int.random(in: 1...10, using: &rng)
            // Few distinct values, so that equal probabilities (ties) are common.
            cases.append(Softmax.probabilities((0..<n).map { _ in Float(Int.random(in: 0...3, using: &rng)) }))
        }
        for p in cases {
            let s = Scores(probabilities: p), r = reference(p)
            #expect(s.top == r.top && s.runnerUp == r.runnerUp && s.margin == r.margin, "\(p)")
            #expect(s.probability == p[r.top])
        }
        #expect(abs(Scores(probabilities: [0.1, 0.6, 0.3]).margin - 0.3) < 1e-6)
        #expect(Scores(probabilities: [0.5, 0.5]).margin == 0 && Scores(probabilities: [1]).margin == 1)
    }

    @Test func softmaxIsStableAndNormalised() {
        let p = Softmax.probabilities([1000, 1000, 0])
        #expect(abs(p[0] - 0.5) < 1e-6 && abs(p[1] - 0.5) < 1e-6 && p[2] == 0)
        let q = Softmax.probabilities([0, log(3)])
        #expect(abs(q[1] - 0.75) < 1e-6)
    }

    @Test func clearMajorityWins() {
        let v = Policies.majorityVote([[0.9, 0.1, 0], [0.2, 0.8, 0], [0.6, 0.4, 0]].map(Scores.init(probabilities:)))!
        #expect(v.label == 0 && v.votes == 2 && !v.wasTie && v.tieBrokenBy == nil)
    }

    /// 2 votes for class 1, 2 for class 2, 1 for class 0 (the most certain of all). Class 0 is not tied,
    /// so its network cannot decide; among the tied, network 3 (margin 0.5) beats network 0 (margin 0.4).
    @Test func tieGoesToTheMostCertainNetworkAmongTheTiedLabels() {
        let probs: [[Float]] = [
            [0.1, 0.65, 0.25],   // votes 1, margin 0.40
            [0.2, 0.45, 0.35],   // votes 1, margin 0.10
            [0.3, 0.3, 0.4],     // votes 2, margin 0.10
            [0.0, 0.25, 0.75],   // votes 2, margin 0.50
            [0.99, 0.01, 0.0],   // votes 0, margin 0.98, not among the tied labels
        ]
        let v = Policies.majorityVote(probs.map(Scores.init(probabilities:)))!
        #expect(v.tiedLabels == [1, 2])
        #expect(v.label == 2)
        #expect(v.tieBrokenBy == 3)
        #expect(v.votes == 2)
    }

    @Test func allDifferentIsATieOfAll() {
        let v = Policies.majorityVote([[0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]].map(Scores.init(probabilities:)))!
        #expect(v.tiedLabels == [0, 1, 2])
        #expect(v.label == 1 && v.tieBrokenBy == 1)
    }

    @Test func equalMarginsGoToTheEarlierNetwork() {
        let v = Policies.majorityVote([[0.3, 0.7], [0.7, 0.3]].map(Scores.init(probabilities:)))!
        #expect(v.label == 1 && v.tieBrokenBy == 0)
    }

    @Test func emptyVoteIsNil() {
        #expect(Policies.majorityVote([]) == nil)
    }

    @Test func budgetIsNeverExceeded() {
        var b = BigLittleBudget(megabytes: 4.5)
        #expect(b.budgetBytes == 4_718_592)
        var granted = 0
        while b.trySpend(85_000) { granted += 1 }
        #expect(b.remainingBytes < 85_000)
        #expect(granted == 4_718_592 / 85_000)
        #expect(b.spentBytes <= b.budgetBytes)
        #expect(b.requests == granted)
        let exact = b.trySpend(b.remainingBytes)    // exactly what is left still fits
        #expect(exact)
        let overBy1 = b.trySpend(1), negative = b.trySpend(-5)
        #expect(b.remainingBytes == 0 && !overBy1 && !negative)
    }

    @Test func bigLittleAsksOnlyWhenUnsureAndAffordable() {
        var policy = BigLittlePolicy(theta: 0.35, budget: BigLittleBudget(budgetBytes: 250))
        #expect(policy.decide(little: Scores(probabilities: [0.7, 0.2, 0.1]), requestBytes: 100) == .keepLittle)  // 0.5 ≥ θ
        #expect(policy.decide(little: Scores(probabilities: [0.5, 0.4, 0.1]), requestBytes: 100) == .askBig)      // 0.1 < θ
        #expect(policy.decide(little: Scores(probabilities: [0.6, 0.26, 0.14]), requestBytes: 100) == .askBig)    // 0.34 < θ
        #expect(policy.decide(little: Scores(probabilities: [0.5, 0.4, 0.1]), requestBytes: 100) == .keepLittleOverBudget)
        #expect(policy.decide(little: Scores(probabilities: [0.5, 0.4, 0.1]), requestBytes: 50) == .askBig)       // 50 still fits
        #expect(policy.budget.spentBytes == 250 && policy.budget.requests == 3)
    }
}
