import Testing
@testable import Serving

/// Logits whose softmax puts class `label` on top with a margin that grows with `strength`.
private func logits(_ label: Int, strength: Float, classes: Int = 4) -> [Float] {
    (0..<classes).map { $0 == label ? strength : 0 }
}

@Suite struct CoopBallotBoxTests {
    @Test func decidesWhenTheLastExpectedVoteArrives() {
        var box = CoopBallotBox(voters: ["coop1", "coop2", "coop3"], classCount: 4)
        box.open(clipID: "c", now: 100, timeoutNanos: 1_000)
        #expect(box.record(.init(clipID: "c", model: "coop1", logits: logits(2, strength: 3)), now: 150) == .counted)
        #expect(box.record(.init(clipID: "c", model: "coop2", logits: logits(1, strength: 3)), now: 160) == .counted)
        let outcome = box.record(.init(clipID: "c", model: "coop3", logits: logits(2, strength: 1)), now: 400)
        #expect(outcome == .decided(CoopDecision(clipID: "c", label: 2, voters: ["coop1", "coop2", "coop3"],
                                                 degraded: false, latencyNanos: 300)))
        #expect(box.pendingCount == 0)
    }

    @Test func duplicatesLateAndUnknownRepliesAreIgnored() {
        var box = CoopBallotBox(voters: ["coop1", "coop2"], classCount: 4)
        box.open(clipID: "c", now: 0, timeoutNanos: 1_000)
        #expect(box.record(.init(clipID: "c", model: "coop1", logits: logits(0, strength: 1)), now: 1) == .counted)
        // the same model again (QoS 1 redelivery or a second replica), even with other logits
        #expect(box.record(.init(clipID: "c", model: "coop1", logits: logits(3, strength: 9)), now: 2) == .duplicate)
        #expect(box.record(.init(clipID: "other", model: "coop1", logits: logits(0, strength: 1)), now: 2) == .unknownClip)
        #expect(box.record(.init(clipID: "c", model: "coop2", logits: [1, 2]), now: 3) == .wrongSize(got: 2, expected: 4))
        guard case .decided(let d) = box.record(.init(clipID: "c", model: "coop2", logits: logits(0, strength: 1)), now: 4) else {
            Issue.record("expected a decision"); return
        }
        #expect(d.label == 0 && !d.degraded)
        // after the decision: late
        #expect(box.record(.init(clipID: "c", model: "coop3", logits: logits(1, strength: 1)), now: 5) == .unknownClip)
    }

    @Test func deadlineDecidesWithTheVotesItHas() {
        var box = CoopBallotBox(voters: (1...5).map { "coop\($0)" }, classCount: 4)
        box.open(clipID: "a", now: 0, timeoutNanos: 100)
        box.open(clipID: "b", now: 50, timeoutNanos: 100)
        _ = box.record(.init(clipID: "a", model: "coop4", logits: logits(3, strength: 2)), now: 10)
        #expect(box.expire(now: 99).isEmpty)
        #expect(box.silentExpired(now: 100) == [])
        let due = box.expire(now: 100)
        #expect(due == [CoopDecision(clipID: "a", label: 3, voters: ["coop4"], degraded: true, latencyNanos: 100)])
        #expect(box.silentExpired(now: 150) == ["b"])
        box.extend(clipID: "b", now: 150, timeoutNanos: 100)
        #expect(box.expire(now: 200).isEmpty)
        #expect(box.expire(now: 250) == [CoopDecision(clipID: "b", label: nil, voters: [], degraded: true, latencyNanos: 200)])
    }

    @Test func postponingMovesEveryDeadlineByTheStall() {
        var box = CoopBallotBox(voters: ["coop1", "coop2"], classCount: 4)
        box.open(clipID: "a", now: 0, timeoutNanos: 100)
        box.open(clipID: "b", now: 60, timeoutNanos: 100)
        box.postponeAll(by: 1_000)
        #expect(box.expire(now: 1_099).isEmpty)
        #expect(box.record(.init(clipID: "a", model: "coop1", logits: logits(1, strength: 2)), now: 1_050) == .counted)
        #expect(box.expire(now: 1_100).map(\.clipID) == ["a"])
        #expect(box.expire(now: 1_159).isEmpty)
        #expect(box.expire(now: 1_160).map(\.clipID) == ["b"])
    }

    /// Two votes each for classes 1 and 2 and one for 0: the tie goes to the label of the most certain of
    /// the four tied voters (coop4, strength 5), whatever order the replies arrive in.
    @Test(arguments: [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]])
    func tieGoesToTheMostCertainModelRegardlessOfArrivalOrder(order: [Int]) {
        let votes: [(String, [Float])] = [
            ("coop1", logits(1, strength: 2)), ("coop2", logits(2, strength: 1)), ("coop3", logits(1, strength: 3)),
            ("coop4", logits(2, strength: 5)), ("coop5", logits(0, strength: 9)),
        ]
        var box = CoopBallotBox(voters: (1...5).map { "coop\($0)" }, classCount: 4)
        box.open(clipID: "t", now: 0, timeoutNanos: 10)
        var last: CoopBallotBox.Outcome = .counted
        for i in order { last = box.record(.init(clipID: "t", model: votes[i].0, logits: votes[i].1), now: 1) }
        guard case .decided(let d) = last else { Issue.record("not decided"); return }
        #expect(d.label == 2)
        #expect(d.voters == ["coop1", "coop2", "coop3", "coop4", "coop5"])
    }

    @Test func modelNamesSortNumerically() {
        #expect(["coop10", "coop2", "coop1"].sorted(by: CoopBallotBox.modelOrder) == ["coop1", "coop2", "coop10"])
    }
}
