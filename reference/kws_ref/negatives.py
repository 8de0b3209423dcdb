"""The sounds that are not keywords, split for training, validation and test like the keywords are.

- Unknown words (Speech Commands' other words, `unknown_words/<word>/<speaker>_nohash_<k>.flac|wav`): by
  speaker. A speaker who also said keywords goes to that keyword split (reference/splits/), so no person
  is in two splits; any other speaker by a hash of the speaker id (80 / 10 / 10 %).
- Background noise (Speech Commands' `_background_noise_/*.wav`): by time within each file: the first 80 %
  for training (what the realaug recipe mixes in), 80-90 % for validation, the last 10 % for test.
- LibriSpeech read speech (`librispeech_excerpt/<speaker>-<chapter>-<utt>.flac`, one utterance a speaker):
  by speaker: the speakers ordered by the SHA-1 of their id, the first 80 % for training, the next 10 % for
  validation, the rest for test (a per-speaker hash would leave a 60-speaker excerpt's splits uneven).

Every function here is deterministic: the same files give the same split on every machine."""
import hashlib
import pathlib

SPLITS_DIR = pathlib.Path(__file__).resolve().parent.parent / "splits"
NOISE_FRACTIONS = {"train": (0.0, 0.8), "val": (0.8, 0.9), "test": (0.9, 1.0)}


def speaker_of(path):
    """Speech Commands' speaker id (the file name before `_nohash_`), or LibriSpeech's (before the first `-`)."""
    name = pathlib.PurePosixPath(path).name
    if "_nohash_" in name:
        return name.split("_nohash_")[0]
    return name.split("-")[0]


def hashed_split(speaker):
    """80 / 10 / 10 % by the first 8 hex digits of the speaker id's SHA-1."""
    bucket = int(hashlib.sha1(speaker.encode()).hexdigest()[:8], 16) % 10
    return "test" if bucket == 9 else "val" if bucket == 8 else "train"


def keyword_speakers(splits_dir=SPLITS_DIR):
    """{speaker: split} of the keyword splits."""
    owner = {}
    for split in ("train", "val", "test"):
        for line in (pathlib.Path(splits_dir) / f"{split}_split.txt").read_text().split():
            owner[speaker_of(line)] = split
    return owner


def unknown_split(path, owners):
    s = speaker_of(path)
    return owners.get(s) or hashed_split(s)


def unknown_words(root, split, splits_dir=SPLITS_DIR):
    """Sorted paths (.wav or .flac) under root/<word>/ that belong to `split`."""
    owners = keyword_speakers(splits_dir)
    files = sorted(p for p in pathlib.Path(root).glob("*/*") if p.suffix in (".wav", ".flac"))
    return [p for p in files if unknown_split(p, owners) == split]


def librispeech(root, split):
    """Sorted utterance paths of the split's speakers."""
    files = sorted(p for p in pathlib.Path(root).glob("*") if p.suffix in (".wav", ".flac"))
    speakers = sorted({speaker_of(p) for p in files}, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    n = len(speakers)
    rank = {s: i for i, s in enumerate(speakers)}
    def part(s):
        return "train" if rank[s] < 0.8 * n else "val" if rank[s] < 0.9 * n else "test"
    return [p for p in files if part(speaker_of(p)) == split]


def noise_range(n_samples, split):
    """(start, stop) sample indices of a noise file's part for `split`."""
    a, b = NOISE_FRACTIONS[split]
    return int(n_samples * a), int(n_samples * b)
