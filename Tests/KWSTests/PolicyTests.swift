import Foundation
import KWS
import Testing

@Suite struct PolicyTests {
    @Test func scoreMarginIsTopOneMinusTopTwo() {
        #expect(abs(Policies.scoreMargin([0.1, 0.6, 0.3]) - 0.3) < 1e-6)
        #expect(Policies.scoreMargin([0.5, 0.5]) == 0)
        #expect(Policies.scoreMargin([1]) == 1)
        #expect(Policies.scoreMargin([]) == 0)
    }

    @Test func softmaxIsStableAndNormalised() {
        let p = Softmax.probabilities([1000, 1000, 0])
        #expect(abs(p[0] - 0.5) < 1e-6 && abs(p[1] - 0.5) < 1e-6 && p[2] == 0)
        let q = Softmax.probabilities([0, log(3)])
        #expect(abs(q[1] - 0.75) < 1e-6)
    }

    @Test func clearMajorityWins() {
        let v = Policies.majorityVote([[0.9, 0.1, 0], [0.2, 0.8, 0], [0.6, 0.4, 0]])!
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
        let v = Policies.majorityVote(probs)!
        #expect(v.tiedLabels == [1, 2])
        #expect(v.label == 2)
        #expect(v.tieBrokenBy == 3)
        #expect(v.votes == 2)
    }

    @Test func allDifferentIsATieOfAll() {
        let v = Policies.majorityVote([[0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])!
        #expect(v.tiedLabels == [0, 1, 2])
        #expect(v.label == 1 && v.tieBrokenBy == 1)
    }

    @Test func equalMarginsGoToTheEarlierNetwork() {
        let v = Policies.majorityVote([[0.3, 0.7], [0.7, 0.3]])!
        #expect(v.label == 1 && v.tieBrokenBy == 0)
    }

    @Test func emptyVoteIsNil() {
        #expect(Policies.majorityVote([]) == nil)
        #expect(Policies.majorityVote([[0.5, 0.5], []]) == nil)
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
        #expect(policy.decide(littleProbabilities: [0.7, 0.2, 0.1], requestBytes: 100) == .keepLittle)  // 0.5 ≥ θ
        #expect(policy.decide(littleProbabilities: [0.5, 0.4, 0.1], requestBytes: 100) == .askBig)      // 0.1 < θ
        #expect(policy.decide(littleProbabilities: [0.6, 0.26, 0.14], requestBytes: 100) == .askBig)    // 0.34 < θ
        #expect(policy.decide(littleProbabilities: [0.5, 0.4, 0.1], requestBytes: 100) == .keepLittleOverBudget)
        #expect(policy.decide(littleProbabilities: [0.5, 0.4, 0.1], requestBytes: 50) == .askBig)       // 50 still fits
        #expect(policy.budget.spentBytes == 250 && policy.budget.requests == 3)
    }
}
