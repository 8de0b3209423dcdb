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
///
/// Only the run's own voters count: a reply is accepted only from one of the `voters` named at init, at
/// most once per model and clip. Anyone who can publish on the result topic can still claim one of those
/// names (that is for broker authentication and ACLs to stop, docs/PROTOCOLS-hardening.md), but made-up
/// models and extra replies never decide a clip.
public struct CoopBallotBox: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Counted; the clip still waits for more votes.
        case counted
        /// Counted, and it was the last expected vote.
        case decided(CoopDecision)
        /// For a clip that is not pending (already decided, timed out, or never sent by this run).
        case unknownClip
        /// This model already voted for this clip (QoS 1 redelivery, two replicas answering, or a forgery).
        case duplicate
        /// From a model this run does not wait for (a forged or stray reply): never counted.
        case notAVoter(model: String)
        /// The logits do not have one value per class.
        case wrongSize(got: Int, expected: Int)
    }

    private struct Ballot: Sendable {
        var sentAt: UInt64
        var deadline: UInt64
        var votes: [String: [Float]] = [:]
    }

    /// The model names whose replies count, one vote each per clip.
    public let voters: Set<String>
    public let classCount: Int
    private var pending: [String: Ballot] = [:]

    public var expectedVotes: Int { voters.count }

    /// `voters`: the distinct model names the run waits for (at least one); `classCount` ≥ 1.
    public init(voters: [String], classCount: Int) {
        precondition(!voters.isEmpty && classCount > 0, "a ballot box needs at least one voter and one class")
        self.voters = Set(voters)
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
        guard voters.contains(reply.model) else { return .notAVoter(model: reply.model) }
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

    /// Pushes every pending deadline to at least `now + timeoutNanos`: while the client is disconnected
    /// no reply can arrive, so the clock of a clip does not run (the run waits for the broker).
    public mutating func extendAll(now: UInt64, timeoutNanos: UInt64) {
        let floor = now &+ timeoutNanos
        for (id, ballot) in pending where ballot.deadline < floor { pending[id]?.deadline = floor }
    }

    /// Moves every pending deadline `nanos` later: time in which this process did not run (suspended, or
    /// starved of CPU) is not counted against the voters, whose replies may be waiting unread.
    public mutating func postponeAll(by nanos: UInt64) {
        for id in pending.keys { pending[id]?.deadline &+= nanos }
    }

    /// Pending clips whose deadline has passed and that have no vote at all (candidates for a resend).
    public func silentExpired(now: UInt64) -> [String] {
        pending.filter { $0.value.deadline <= now && $0.value.votes.isEmpty }.map(\.key).sorted()
    }

    /// Decides every pending clip whose deadline has passed (with `all`, every pending clip), with the
    /// votes it has (degraded).
    public mutating func expire(now: UInt64, all: Bool = false) -> [CoopDecision] {
        let due = pending.filter { all || $0.value.deadline <= now }.map(\.key).sorted()
        return due.compactMap { id in
            pending.removeValue(forKey: id).map { Self.decide(id, $0, degraded: true, now: now) }
        }
    }

    /// The earliest pending deadline, if any.
    public var nextDeadline: UInt64? { pending.values.map(\.deadline).min() }

    private static func decide(_ clipID: String, _ ballot: Ballot, degraded: Bool, now: UInt64) -> CoopDecision {
        let voters = ballot.votes.keys.sorted { modelOrder($0, $1) }
        let vote = Policies.majorityVote(voters.compactMap { ballot.votes[$0].map { Scores(probabilities: Softmax.probabilities($0)) } })
        return CoopDecision(clipID: clipID, label: vote?.label, voters: voters, degraded: degraded,
                            latencyNanos: now &- ballot.sentAt)
    }

    /// Name order with numbers compared as numbers (coop2 before coop10).
    static func modelOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}
