"""Free text -> the places, stations and handles it names.

Citizens write "charkop PS", "@charkopps", "near Ghatkoper stn", "मालाड पश्चिम", "kurlyat", "400067".
The resolver folds spelling (case, accents, Devanagari vowel length and nukta), tokenises with
offsets, and looks every run of up to six tokens up in one dictionary of folded aliases — both
as written and with the spaces squeezed out ("vile parle" = "vileparle"). Unmatched words then
get two more chances: Marathi and Hindi endings stripped ("kurlyat" -> "kurla", "दादरला" ->
"दादर"), and a fuzzy match (one or two edits, checked with Levenshtein distance, candidates
from a deletion index and a consonant skeleton: "Ghatkoper" -> "Ghatkopar"). Words that are
common in complaints never match fuzzily, and place names that are ordinary words count only
next to a place word ("Fort area", "near Fort").

Pure and fast: the indexes are built once per force; a message takes tens of microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from thana.force.model import Force, normalise_handle

MAX_NGRAM = 6
TOKEN_RE = re.compile(r"[@#]?[0-9A-Za-z\u00C0-\u024F\u0900-\u0963\u0966-\u097F_]+")
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")

# Words after (or before) a station's name that say "the police station".
POLICE_WORDS = {
    tuple(phrase.split())
    for phrase in (
        "police|police chowki|police station|police stn|police thana|polis station|ps|pulis station|thana|thane|"
        "ठाणे|ठाण्यात|थाना|थाने|पुलिस|पुलिस चौकी|पुलिस थाना|पुलिस थाने|पुलिस स्टेशन|"
        "पोलिस|पोलिस चौकी|पोलिस ठाणे|पोलिस ठाण्याच्या|पोलिस ठाण्यात|पोलिस स्टेशन"
    ).split("|")
}
# A place name that is also an everyday word needs one of these beside it.
PLACE_WORDS = frozenset(
    "area at behind e east from gaon in javal jawal ke madhe madhye me mein nagar naka near opp opposite paas "
    "rd road se side station stn to village w west "
    "जवळ पश्चिम पास पूर्व मध्ये मे में स्टेशन".split()
)
COMMON_WORDS = frozenset(
    """
a about after again against all also am an and any are around as at away back bad be because been before
being below between both but by came can come could day did do does doing done down during each even
every few for from further get go going gone good got had has have having he her here hers him his how i
if in into is it its just know last like made make man many may me men more most much must my near need
never new next night no nor not now of off old on once one only or other our out over own people please
police road said same saw say see she should since so some still such take than that the their them then
there these they thing think this those through time to today too under until up us very was way we well
went were what when where which while who whom why will with woman women would year yes yet you your
fort colony market station complaint help thanks thank sir madam urgent call number phone mobile money
bank girl boy child children lady ladies gentleman people society building house home area road street
lane west east north south main camp gate garden park lake hill point bazaar bazar chowk circle bridge
cross nagar wadi pada gaon hai hain nahi nahin kya kyu kyun mein mere mera meri hum tum aap kal aaj abhi
bhai yaar wala wali kar karo raha rahi rahe gaya gayi tha thi the aur par pe se ko ka ki ke log ladki
ladka police thana sab kuch ahe aahe nahi mala majha maza mazi amhi tumhi kay kasa kuthe ithe tithe aani
ani pan la na ho parle gateway t1 t2 shiv
""".split()
)
SUFFIXES_LATN = tuple(
    (
        "madhye madhe madhun mdhe pasun javal jawal kade chya cha chi che mein wala wali wale var hun la at me se ke t"
    ).split()
)
SUFFIXES_DEVA = tuple("मध्ये मधून पासून मधे जवळ कडे च्या वाला वाली वाले में ला ात चा ची चे वर हून ने नी त ल े".split())
KIND_RANK = {"handle": 0, "station": 1, "landmark": 2, "railway_station": 2, "locality": 3, "road": 4, "pincode": 5}


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing a run of words can name."""

    kind: str  # handle, station, landmark, railway_station, locality, road, pincode
    label: str
    unit_id: str | None = None  # handles and stations: the unit; places: the station they belong to, if set
    place_index: int | None = None
    weak: bool = False  # an everyday word: needs a place word beside it


@dataclass(slots=True)
class Match:
    start: int
    end: int
    text: str
    entry: Entry
    confidence: float
    how: str  # exact, suffix, fuzzy
    police_context: bool = False
    words: int = 1  # how many words of the text the match takes

    @property
    def resolved_by(self) -> str:
        if self.entry.kind == "handle":
            return "handle"
        if self.entry.kind == "station":
            return "station_name"
        return "place"


@lru_cache(maxsize=262_144)
def fold(text: str) -> str:
    """Case, accents, Devanagari nukta and vowel length folded away; for comparing spellings."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch) or "\u0900" <= ch <= "\u097f")
    text = unicodedata.normalize("NFC", text)
    return text.translate(_DEVANAGARI_FOLD)


_DEVANAGARI_FOLD = str.maketrans(
    {
        "\u093c": None,  # nukta
        "\u200c": None,
        "\u200d": None,  # zero-width (non-)joiner
        "ी": "ि",
        "ू": "ु",
        "ई": "इ",
        "ऊ": "उ",
        "ँ": "ं",
        "ॅ": "े",
        "ॉ": "ो",
    }
)


def skeleton(word: str) -> str:
    """Consonant skeleton of a Latin word: Indian spelling variants collapse to one key."""
    w = word
    for a, b in (
        ("kh", "k"),
        ("gh", "g"),
        ("ch", "c"),
        ("jh", "j"),
        ("th", "t"),
        ("dh", "d"),
        ("ph", "f"),
        ("bh", "b"),
        ("sh", "s"),
        ("ck", "k"),
        ("w", "v"),
        ("z", "j"),
        ("q", "k"),
        ("x", "ks"),
    ):
        w = w.replace(a, b)
    head, rest = w[:1], re.sub(r"[aeiouyh]", "", w[1:])
    return re.sub(r"(.)\1+", r"\1", head + rest)


# "Andheri (E)", "अंधेरी पूर्व", "Malad W": the sides of a suburb, spelled one way.
SIDES = {
    "e": "east",
    "east": "east",
    "purv": "east",
    "purva": "east",
    "पुर्व": "east",
    "पु": "east",
    "w": "west",
    "west": "west",
    "paschim": "west",
    "pashchim": "west",
    "पश्चिम": "west",
    "प": "west",
}
STATION_WORDS = frozenset({"station", "stn", "rly", "railway", "स्टेशन", "स्थानक", "rs"})


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end) for each word; runs of single Latin letters merge ("L.T." -> "lt")."""
    raw = TOKEN_RE.findall(text)
    words, groups = _merge_letters([_folded_word(w) for w in raw])
    spans = _Spans(text, raw, groups)
    return [(w, *spans.of(k, k + 1)) for k, w in enumerate(words)]


_LETTER_PAIR = re.compile(r"(?:^|\x00)[a-z]\x00[a-z](?:\x00|$)")


def _is_letter(word: str) -> bool:
    return len(word) == 1 and word.isascii() and word.isalpha()


def _merge_letters(words: list[str]) -> tuple[list[str], list[tuple[int, int]] | None]:
    """Join runs of single Latin letters ("l", "t" -> "lt"); groups map merged words to raw words."""
    if not _LETTER_PAIR.search("\x00".join(words)):
        return words, None
    out, groups, i = [], [], 0
    while i < len(words):
        j = i
        if _is_letter(words[i]):
            while j + 1 < len(words) and _is_letter(words[j + 1]):
                j += 1
        out.append("".join(words[i : j + 1]))
        groups.append((i, j + 1))
        i = j + 1
    return out, groups


class _Spans:
    """Character offsets of words, worked out only when a match needs them."""

    __slots__ = ("_offsets", "groups", "raw", "text")

    def __init__(self, text: str, raw: list[str], groups: list[tuple[int, int]] | None):
        self.text, self.raw, self.groups, self._offsets = text, raw, groups, None

    def of(self, first: int, end: int) -> tuple[int, int]:
        if self.groups is not None:
            first, end = self.groups[first][0], self.groups[end - 1][1]
        offsets = self._offsets
        if offsets is None:
            offsets = self._offsets = []
        text, raw = self.text, self.raw
        pos = offsets[-1][1] if offsets else 0
        while len(offsets) < end:  # read only as far as needed
            # The next word as written is the next place its letters occur: the gaps between words
            # hold no word letters.
            word = raw[len(offsets)]
            start = text.find(word, pos)
            pos = start + len(word)
            offsets.append((start, pos))
        return offsets[first][0], offsets[end - 1][1]


@lru_cache(maxsize=262_144)
def _folded_word(word: str) -> str:
    folded = fold(word.lstrip("#"))
    return SIDES.get(folded, folded)


def alias_keys(alias: str) -> list[str]:
    """The dictionary keys of an alias: its folded words, and the same squeezed together."""
    tokens = [t for t, _, _ in tokenize(alias)]
    if not tokens:
        return []
    keys = [" ".join(tokens)]
    if len(tokens) > 1:
        keys.append("".join(tokens))
    return keys


_MISSING = ("", None, False)


class PlaceResolver:
    def __init__(self, force: Force):
        self.force = force
        self.exact: dict[str, list[Entry]] = {}
        self.handles: dict[str, str] = {}
        self._deletes: dict[str, set[str]] = {}
        self._skeletons: dict[str, set[str]] = {}
        self._build()
        self._corrected_cached = lru_cache(maxsize=131_072)(self._corrected_uncached)

    # -- building ------------------------------------------------------------------------------------

    def _add(self, alias: str, entry: Entry) -> None:
        for key in alias_keys(alias):
            bucket = self.exact.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)

    def _build(self) -> None:
        force = self.force
        for handle, unit_id in force.units_by_handle.items():
            self.handles[handle.replace("_", "")] = unit_id
        for unit in force.stations(include_inactive=False):
            for name in (unit.name, *unit.aliases, *unit.names.values()):
                self._add(name, Entry("station", unit.name, unit_id=unit.id, weak=fold(name) in COMMON_WORDS))
        for i, place in enumerate(force.places):
            for name in (place.name, *place.aliases, *place.names.values()):
                weak = fold(name) in COMMON_WORDS
                self._add(name, Entry(place.kind, place.name, unit_id=place.unit_id, place_index=i, weak=weak))
        self.vocab: set[str] = set()
        self.longest_from: dict[str, int] = {}  # first word of an alias -> most words in such an alias
        for key in self.exact:
            parts = key.split(" ")
            self.vocab.update(parts)
            self.longest_from[parts[0]] = max(self.longest_from.get(parts[0], 0), len(parts))
        self._known: dict[
            str, tuple[str, tuple[str, str] | None, bool]
        ] = {}  # word -> (folded, reading, begins a name)
        # first parts of one-word aliases, for "vile parle" written for "vileparle"
        self._squeeze_starts = {k[:n] for k in self.exact if " " not in k for n in range(3, len(k) - 2)}
        self._starts = self._squeeze_starts | set(self.longest_from)
        for word in self.vocab:
            if DEVANAGARI.search(word) or len(word) < 5 or word.isdigit():
                continue
            for d in _deletions(word):
                self._deletes.setdefault(d, set()).add(word)
            self._skeletons.setdefault(skeleton(word), set()).add(word)

    # -- resolving -----------------------------------------------------------------------------------

    def resolve(self, text: str) -> list[Match]:
        """Every place, station and handle the text names, best first."""
        raw = TOKEN_RE.findall(text)
        if not raw:
            return []
        known, miss = self._known, _MISSING
        infos = [known.get(w, miss) for w in raw]
        if miss in infos:
            infos = [self._learn(w) if info is miss else info for w, info in zip(raw, infos, strict=True)]
        words = [info[0] for info in infos]
        canon = [info[1] for info in infos]
        words, groups = _merge_letters(words)
        if groups is None:
            candidates = [i for i, info in enumerate(infos) if info[2]]
        else:
            canon = [self._reading_of(w) for w in words]
            candidates = [i for i, (w, c) in enumerate(zip(words, canon, strict=True)) if self._begins_name(w, c)]
        spans = _Spans(text, raw, groups)
        matches: list[Match] = []
        if "@" in text:
            for k, word in enumerate(words):
                if word[:1] == "@":
                    self._handle(word, k, spans, matches)
        # Each word was read once (as written, under an ending, or its nearest spelling); now the names,
        # starting only at words that begin one (or begin a name written in two halves).
        done = 0  # words before this index belong to a name already found
        for i in candidates:
            if i < done:
                continue
            found = self._match_at(words, canon, i, spans)
            if found:
                matches.extend(found)
                done = i + found[0].words
        return sorted((m for m in matches if m.entry.kind != "hq_handle"), key=_rank)

    def _handle(self, word: str, k: int, spans: _Spans, matches: list[Match]) -> None:
        unit_id = self.handles.get(normalise_handle(word).replace("_", ""))
        if unit_id is not None:
            unit = self.force.units[unit_id]
            kind = "handle" if unit.is_station else "hq_handle"
            s, e = spans.of(k, k + 1)
            matches.append(Match(s, e, spans.text[s:e], Entry(kind, unit.name, unit_id=unit_id), 1.0, "exact"))

    def _learn(self, raw: str) -> tuple[str, tuple[str, str] | None, bool]:
        """(folded, reading, begins a name) of a word as written, remembered: a vocabulary is not endless."""
        if len(self._known) > 300_000:
            self._known.clear()
        folded = _folded_word(raw)
        reading = self._reading_of(folded)
        info = self._known[raw] = (folded, reading, self._begins_name(folded, reading))
        return info

    def _begins_name(self, word: str, reading: tuple[str, str] | None) -> bool:
        return word in self._starts or (reading is not None and reading[0] in self._starts)

    def _reading_of(self, word: str) -> tuple[str, str] | None:
        """(the alias word this word is, how it was read), or None when it is part of no name."""
        if word in self.vocab:
            return word, "exact"
        return self._corrected_cached(word)

    def _corrected_uncached(self, word: str) -> tuple[str, str] | None:
        if not word or word[0] == "@":  # a lone nukta folds to nothing
            return None
        stripped = self._strip_suffix_uncached(word)
        if stripped:
            return stripped, "suffix"
        if len(word) >= 5 and word not in COMMON_WORDS:
            fuzzy = self._fuzzy_uncached(word)
            if fuzzy:
                return fuzzy, "fuzzy"
        return None

    def _match_at(self, tokens, canon, i: int, spans: _Spans) -> list[Match] | None:
        first = canon[i]
        if first is None:
            return self._match_squeezed(tokens, canon, i, spans)
        longest = min(self.longest_from.get(first[0], 0), len(tokens) - i, MAX_NGRAM)
        for n in range(longest, 0, -1):
            run = canon[i : i + n]
            if None in run:
                continue
            key = " ".join(c[0] for c in run)
            entries = self.exact.get(key)
            if entries:
                how = next((c[1] for c in run if c[1] != "exact"), "exact")
                return self._emit(tokens, i, n, spans, entries, how, key)
        return self._match_squeezed(tokens, canon, i, spans)

    def _match_squeezed(self, tokens, canon, i: int, spans: _Spans) -> list[Match] | None:
        """'vile parle' written for the one-word alias 'vileparle' (and misspelt)."""
        if i + 1 >= len(tokens) or tokens[i] not in self._squeeze_starts or len(tokens[i + 1]) < 3:
            return None
        squeezed = tokens[i] + tokens[i + 1]
        read = (squeezed, "exact") if squeezed in self.exact else self._corrected_cached(squeezed)
        if read and read[0] in self.exact:
            return self._emit(tokens, i, 2, spans, self.exact[read[0]], read[1], read[0])
        return None

    def _emit(self, tokens, i, n, spans: _Spans, entries, how, key) -> list[Match] | None:
        if i + n < len(tokens) and tokens[i + n] in STATION_WORDS:
            entries = self._railway_station_of(entries) or entries
            n += 1  # "Dadar station" names the station, words and all
        else:
            localities = {e.label for e in entries if e.kind == "locality"}
            entries = [e for e in entries if not (e.kind == "railway_station" and e.label in localities)]
        s, e = spans.of(i, i + n)
        text = spans.text
        police = self._police_context(tokens, i + n) or self._police_context_before(tokens, i)
        place_word = self._place_context(tokens, i, i + n)
        out = []
        for entry in entries:
            if entry.weak and (how == "fuzzy" or not (place_word or police or n > 1)):
                continue
            if entry.kind == "station" and not police and any(x.kind != "station" for x in entries):
                continue  # a bare name that is also a place reads as the place
            conf = _confidence(entry, how, police, key)
            out.append(Match(s, e, text[s:e], entry, conf, how, police and entry.kind == "station", n))
        return out or None

    def _railway_station_of(self, entries: list[Entry]) -> list[Entry] | None:
        """The railway station named like a matched locality ("Ghatkoper stn" -> Ghatkopar station)."""
        for entry in entries:
            if entry.kind == "railway_station":
                return [entry]
            for other in self.exact.get(fold(entry.label), ()):
                if other.kind == "railway_station":
                    return [other]
        return None

    @staticmethod
    def _police_context(tokens, j: int) -> bool:
        return any(j + n <= len(tokens) and tuple(tokens[j : j + n]) in POLICE_WORDS for n in (2, 1))

    @staticmethod
    def _police_context_before(tokens, i: int) -> bool:
        return i >= 1 and tokens[i - 1] in {"ps", "thana"}

    @staticmethod
    def _place_context(tokens, i: int, j: int) -> bool:
        before = tokens[i - 1] if i >= 1 else ""
        after = tokens[j] if j < len(tokens) else ""
        return before in PLACE_WORDS or after in PLACE_WORDS

    def _strip_suffix_uncached(self, word: str) -> str | None:
        """'kurlyat' -> 'kurla', 'दादरला' -> 'दादर': a known name under a Marathi or Hindi ending."""
        suffixes = SUFFIXES_DEVA if DEVANAGARI.search(word) else SUFFIXES_LATN
        for suffix in suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: -len(suffix)]
                for candidate in _oblique_stems(stem):
                    if candidate in self.vocab and candidate not in COMMON_WORDS:
                        return candidate
        return None

    def _fuzzy_uncached(self, word: str) -> str | None:
        """The one alias word within one or two edits of `word`, if exactly one is nearest."""
        if DEVANAGARI.search(word) or word.isdigit():
            return None
        candidates: set[str] = set()
        for d in (word, *_deletions(word)):
            candidates |= self._deletes.get(d, set())
            if d in self.vocab and len(d) >= 5:
                candidates.add(d)
        candidates |= self._skeletons.get(skeleton(word), set())
        limit = 1 if len(word) < 8 else 2
        best, best_d, tied = None, limit + 1, False
        for cand in candidates:
            if cand[0] != word[0] and skeleton(cand) != skeleton(word):
                continue
            dist = Levenshtein.distance(word, cand, score_cutoff=limit)
            if dist < best_d:
                best, best_d, tied = cand, dist, False
            elif dist == best_d and cand != best:
                tied = True
        return best if best is not None and not tied else None


def _deletions(word: str) -> set[str]:
    return {word[:k] + word[k + 1 :] for k in range(len(word))}


def _oblique_stems(stem: str) -> list[str]:
    out = [stem]
    if stem.endswith("्य"):
        out += [stem[:-2] + "ा", stem[:-2] + "े", stem[:-2]]
    elif stem.endswith("y"):
        out += [stem[:-1] + "a", stem[:-1] + "e", stem[:-1]]
    return out


BASE_CONFIDENCE = {
    "handle": 1.0,
    "station": 0.8,
    "landmark": 0.9,
    "railway_station": 0.9,
    "locality": 0.9,
    "road": 0.8,
    "pincode": 0.85,
}
READING_CONFIDENCE = {"exact": 1.0, "suffix": 0.93, "fuzzy": 0.8}


def _confidence(entry: Entry, how: str, police: bool, key: str) -> float:
    base = 0.97 if entry.kind == "station" and police else BASE_CONFIDENCE.get(entry.kind, 0.8)
    if " " in key:
        base = min(1.0, base + 0.03)
    return round(base * READING_CONFIDENCE[how], 3)


def _rank(m: Match):
    """Best first: station named as such, higher confidence, more specific kind, longer, earlier."""
    station_first = 0 if m.entry.kind == "handle" or m.police_context else 1
    return (station_first, -m.confidence, KIND_RANK.get(m.entry.kind, 9), -(m.end - m.start), m.start)
