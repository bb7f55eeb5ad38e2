"""From a message to the features the classifier weighs, grouped by the words they came from.

Words in their normalised spelling, character n-grams inside words (so typos and endings still
share most of their features), and the lexicon's cues. (Word pairs were tried: they added nothing on
the held-out set and cost a fifth of the time.) Features are hashed into a
fixed number of buckets with CRC-32, which is stable across runs and machines. Each group of
features remembers the words it came from (for explanations) and, for single words, a key under
which a classifier may cache the group's summed weights.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from thana.triage.lexicon import find_cues
from thana.triage.text import DEVANAGARI_RE, words

BUCKETS = 1 << 18
NGRAM_SIZES = (3, 4, 5)


@dataclass(slots=True)
class Features:
    tokens: list[str]  # the normalised words
    written: list[str]  # the same words as written
    cues: list[tuple[str, str]]  # (label, words as written) for every lexicon cue found
    cue_buckets: list[int]  # one per cue, aligned with cues
    message_buckets: list[int]  # features of the whole message (script)

    @property
    def indices(self) -> list[int]:
        """Every feature bucket, with repeats: a message's row in the training matrix."""
        out = [b for t in self.tokens for b in word_buckets(t)]
        return out + self.cue_buckets + self.message_buckets


_BUCKET_CACHE: dict[str, int] = {}


def bucket(feature: str) -> int:
    b = _BUCKET_CACHE.get(feature)
    if b is None:
        if len(_BUCKET_CACHE) > 500_000:
            _BUCKET_CACHE.clear()
        b = _BUCKET_CACHE[feature] = zlib.crc32(feature.encode("utf-8")) & (BUCKETS - 1)
    return b


_WORD_CACHE: dict[str, list[int]] = {}


def word_buckets(token: str) -> list[int]:
    """The unigram and character n-gram buckets of one normalised word (cached)."""
    cached = _WORD_CACHE.get(token)
    if cached is not None:
        return cached
    out = [bucket("w:" + token)]
    if len(token) >= 4:
        padded = f"<{token}>"
        for n in NGRAM_SIZES:
            out.extend(bucket(f"c{n}:{padded[i : i + n]}") for i in range(len(padded) - n + 1))
    if len(_WORD_CACHE) > 200_000:
        _WORD_CACHE.clear()
    _WORD_CACHE[token] = out
    return out


def extract(text: str) -> Features:
    found = words(text)
    tokens = [w for w, _ in found]
    cues: list[tuple[str, str]] = []
    for cue, i, j in find_cues(tokens):
        cues.append((cue.label, " ".join(w for _, w in found[i:j])))
    cue_buckets = [bucket("L:" + label) for label, _ in cues]
    whole = [bucket("s:" + ("deva" if DEVANAGARI_RE.search(text) else "latn"))]
    if not found:
        whole.append(bucket("empty"))
    return Features(tokens, [w for _, w in found], cues, cue_buckets, whole)
