import Foundation
import KWS

/// The final answer for one clip of a cooperative run.
public struct CoopDecision: Sendable, Equatable {
    public var clipID: String
    /// The voted class id, or nil when no vote arrived before the deadline.
    public var label: Int?
    /// Models whose votes were counted, in the order they were given to the policy (sorted by name).
    public var voters: [String]
    /// Fewer votes than expected: decided at the deadline with the votes it had.
    public var degraded: Bool
    /// From publishing the MFCC to the decision, in nanoseconds.
    public var latencyNanos: UInt64
}

/// Pending clips and their votes: pure bookkeeping, no I/O and no clock of its own (the caller passes
/// the time), so every rule is testable. The vote itself is `Policies.majorityVote` from KWS, over the
/// softmax of each model's logits, with the votes ordered by model name so that the score-margin
/// tie-break is deterministic and matches in-process evaluation (coop1 … coop5).
public struct CoopBallotBox: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Counted; the clip still waits for more votes.
        case counted
        /// Counted, and it was the last expected vote.
        case decided(CoopDecision)
        /// For a clip that is not pending (already decided, timed out, or never sent by this run).
        case unknownClip
        /// This model already voted for this clip (QoS 1 redelivery, or two replicas answering).
        case duplicate
        /// The logits do not have one value per class.
        case wrongSize(got: Int, expected: Int)
    }

    private struct Ballot: Sendable {
        var sentAt: UInt64
        var deadline: UInt64
        var votes: [String: [Float]] = [:]
    }

    public let expectedVotes: Int
    public let classCount: Int
    private var pending: [String: Ballot] = [:]

    public init(expectedVotes: Int, classCount: Int) {
        precondition(expectedVotes > 0 && classCount > 0)
        self.expectedVotes = expectedVotes
        self.classCount = classCount
    }

    public var pendingCount: Int { pending.count }
    public func isPending(_ clipID: String) -> Bool { pending[clipID] != nil }

    public mutating func open(clipID: String, now: UInt64, timeoutNanos: UInt64) {
        pending[clipID] = Ballot(sentAt: now, deadline: now &+ timeoutNanos)
    }

    /// Restarts a pending clip's deadline (after re-publishing it), keeping its send time and votes.
    public mutating func extend(clipID: String, now: UInt64, timeoutNanos: UInt64) {
        pending[clipID]?.deadline = now &+ timeoutNanos
    }

    public mutating func record(_ reply: CoopLogitsReply, now: UInt64) -> Outcome {
        guard var ballot = pending[reply.clipID] else { return .unknownClip }
        guard ballot.votes[reply.model] == nil else { return .duplicate }
        guard reply.logits.count == classCount else { return .wrongSize(got: reply.logits.count, expected: classCount) }
        ballot.votes[reply.model] = reply.logits
        if ballot.votes.count >= expectedVotes {
            pending[reply.clipID] = nil
            return .decided(Self.decide(reply.clipID, ballot, degraded: false, now: now))
        }
        pending[reply.clipID] = ballot
        return .counted
    }

    /// Pending clips whose deadline has passed and that have no vote at all (candidates for a resend).
    public func silentExpired(now: UInt64) -> [String] {
        pending.filter { $0.value.deadline <= now && $0.value.votes.isEmpty }.map(\.key).sorted()
    }

    /// Decides every pending clip whose deadline has passed, with the votes it has (degraded).
    public mutating func expire(now: UInt64) -> [CoopDecision] {
        let due = pending.filter { $0.value.deadline <= now }.map(\.key).sorted()
        return due.map { id in
            let ballot = pending.removeValue(forKey: id)!
            return Self.decide(id, ballot, degraded: true, now: now)
        }
    }

    /// The earliest pending deadline, if any.
    public var nextDeadline: UInt64? { pending.values.map(\.deadline).min() }

    private static func decide(_ clipID: String, _ ballot: Ballot, degraded: Bool, now: UInt64) -> CoopDecision {
        let voters = ballot.votes.keys.sorted { modelOrder($0, $1) }
        let vote = Policies.majorityVote(voters.map { Softmax.probabilities(ballot.votes[$0]!) })
        return CoopDecision(clipID: clipID, label: vote?.label, voters: voters, degraded: degraded,
                            latencyNanos: now &- ballot.sentAt)
    }

    /// Name order with numbers compared as numbers (coop2 before coop10).
    static func modelOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}
