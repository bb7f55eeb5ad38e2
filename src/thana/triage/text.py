"""Text normalisation for triage: one spelling for the many ways Mumbai writes a word.

"चोरी", "chori" and "choree" should look alike to the classifier, so Devanagari is romanised
(with the word-final inherent vowel dropped, as Hindi and Marathi speakers write in Latin letters)
and Latin spellings are folded (ee->i, oo->u, aa->a, w->v, z->j, doubled letters single, ...).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD_RE = re.compile(r"[0-9A-Za-z\u00C0-\u024F\u0900-\u0963\u0966-\u097F']+|[\U0001F100-\U0001FAFF\u2600-\u27BF]")
DEVANAGARI_RE = re.compile(r"[\u0900-\u097F]")

_VOWELS = {
    "अ": "a",
    "आ": "a",
    "इ": "i",
    "ई": "i",
    "उ": "u",
    "ऊ": "u",
    "ए": "e",
    "ऐ": "ai",
    "ओ": "o",
    "औ": "au",
    "ऋ": "ri",
    "ऑ": "o",
    "ॲ": "a",
    "ऍ": "e",
}
_MATRAS = {
    "ा": "a",
    "ि": "i",
    "ी": "i",
    "ु": "u",
    "ू": "u",
    "े": "e",
    "ै": "ai",
    "ो": "o",
    "ौ": "au",
    "ृ": "ri",
    "ॉ": "o",
    "ॅ": "e",
    "ॆ": "e",
    "ॊ": "o",
}
_CONSONANTS = {
    "क": "k",
    "ख": "kh",
    "ग": "g",
    "घ": "gh",
    "ङ": "n",
    "च": "ch",
    "छ": "chh",
    "ज": "j",
    "झ": "jh",
    "ञ": "n",
    "ट": "t",
    "ठ": "th",
    "ड": "d",
    "ढ": "dh",
    "ण": "n",
    "त": "t",
    "थ": "th",
    "द": "d",
    "ध": "dh",
    "न": "n",
    "प": "p",
    "फ": "ph",
    "ब": "b",
    "भ": "bh",
    "म": "m",
    "य": "y",
    "र": "r",
    "ल": "l",
    "ळ": "l",
    "व": "v",
    "श": "sh",
    "ष": "sh",
    "स": "s",
    "ह": "h",
    "क़": "k",
    "ख़": "kh",
    "ग़": "g",
    "ज़": "j",
    "ड़": "d",
    "ढ़": "dh",
    "फ़": "f",
    "य़": "y",
    "ऩ": "n",
    "ऱ": "r",
}
_SIGNS = {"ं": "n", "ँ": "n", "ः": "h", "ॐ": "om", "।": " ", "॥": " "}
_DIGITS = {chr(0x0966 + i): str(i) for i in range(10)}
VIRAMA, NUKTA = "्", "़"

# Latin spelling folds, applied in order (after lower-casing).
_LATIN_FOLDS = (
    ("ph", "f"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
    ("z", "j"),
    ("x", "ks"),
    ("ee", "i"),
    ("oo", "u"),
    ("aa", "a"),
    ("ii", "i"),
    ("uu", "u"),
    ("chh", "ch"),
    ("th", "t"),
    ("dh", "d"),
    ("bh", "b"),
    ("kh", "k"),
    ("gh", "g"),
    ("jh", "j"),
    ("sh", "s"),
)
_REPEATS = re.compile(r"([a-z])\1+")  # letters only: "22" is not "2"


def romanise(word: str) -> str:
    """Devanagari word -> Latin letters, roughly as people type Hindi and Marathi on a phone.

    The inherent vowel is dropped where speakers drop it: at the end of a word, and inside one
    between a vowel and a consonant-plus-vowel, applied right to left (घाटकोपर -> ghatkopar,
    ज़बरदस्ती -> zabardasti).
    """
    units: list[list] = []  # [consonant, vowel, inherent?] or [text, None, False] for anything else
    chars = unicodedata.normalize("NFC", word)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if i + 1 < len(chars) and chars[i + 1] == NUKTA and ch + NUKTA in _CONSONANTS:
            ch, i = ch + NUKTA, i + 1
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if ch in _CONSONANTS:
            if nxt in _MATRAS:
                units.append([_CONSONANTS[ch], _MATRAS[nxt], False])
                i += 1
            elif nxt == VIRAMA:
                units.append([_CONSONANTS[ch], "", False])
                i += 1
            else:
                units.append([_CONSONANTS[ch], "a", True])
        elif ch in _VOWELS:
            units.append(["", _VOWELS[ch], False])
        elif ch in _MATRAS:
            units.append(["", _MATRAS[ch], False])
        elif ch in ("ं", "ँ"):
            labial = nxt in ("प", "फ", "ब", "भ", "म")
            units.append(["m" if labial else "n", None, False])
        elif ch in _SIGNS:
            units.append([_SIGNS[ch], None, False])
        elif ch in _DIGITS:
            units.append([_DIGITS[ch], None, False])
        elif ch not in (VIRAMA, NUKTA, "\u200c", "\u200d"):
            units.append([ch, None, False])
        i += 1
    if units and units[-1][2]:
        units[-1][1] = ""  # word-final schwa
    for k in range(len(units) - 2, 0, -1):
        cons, vowel, inherent = units[k]
        if not inherent or vowel != "a":
            continue
        before, after = units[k - 1], units[k + 1]
        if before[1] and after[0] and after[1] and after[1] is not None:
            units[k][1] = ""
    return "".join(c + (v or "") for c, v, _ in units)


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """One comparable spelling of a word in any of the scripts."""
    w = word.casefold()
    if DEVANAGARI_RE.search(w):
        w = romanise(w)
    else:
        w = unicodedata.normalize("NFKD", w)
        w = "".join(c for c in w if not unicodedata.combining(c))
    w = w.replace("'", "")
    for a, b in _LATIN_FOLDS:
        w = w.replace(a, b)
    return _REPEATS.sub(r"\1", w)


def words(text: str) -> list[tuple[str, str]]:
    """(normalised, as written) for each word (and emoji) of the text."""
    return [(normalise_word(w), w) for w in WORD_RE.findall(text)]
