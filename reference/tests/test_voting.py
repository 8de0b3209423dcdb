"""The reference majority vote (what the manifest's cooperative results and `kws-native coop` are checked
against): most votes win; a tie goes to the tied label of the most certain network that voted for it."""
import numpy as np

from kws_ref import validation as V


def one_hot_ish(label, margin, classes=8):
    """A probability row voting `label`, its top score `margin` (< 0.5) above the runner-up."""
    p = np.full(classes, 0.01)
    p[label] = 0.5 + margin
    p[(label + 1) % classes] = 0.5
    return p / p.sum()


def test_plurality_wins_over_confidence():
    rows = [one_hot_ish(2, 0.05), one_hot_ish(2, 0.05), one_hot_ish(5, 0.4), one_hot_ish(6, 0.45),
            one_hot_ish(7, 0.45)]
    assert V.majority_vote(np.stack(rows)) == 2


def test_tie_goes_to_the_most_certain_voter_of_a_tied_label():
    # 2-2-1: labels 3 and 4 tie; the lone voter for 0 is the most certain of all but is not in the tie.
    rows = [one_hot_ish(3, 0.10), one_hot_ish(3, 0.20), one_hot_ish(4, 0.30), one_hot_ish(4, 0.05),
            one_hot_ish(0, 0.45)]
    assert np.argmax([V.score_margin(r) for r in rows]) == 4
    assert V.majority_vote(np.stack(rows)) == 4
    rows[1] = one_hot_ish(3, 0.35)
    assert V.majority_vote(np.stack(rows)) == 3


def test_vote_over_clips_matches_the_per_clip_rule():
    rng = np.random.default_rng(7)
    probs = {m: rng.dirichlet(np.ones(8), size=50) for m in V.COOP}
    votes = V.vote(probs)
    for i in range(50):
        assert votes[i] == V.majority_vote(np.stack([probs[m][i] for m in V.COOP]))
    # every vote is some member's argmax
    assert all(v in {int(np.argmax(probs[m][i])) for m in V.COOP} for i, v in enumerate(votes))
