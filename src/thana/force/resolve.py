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
ani pan la na ho
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


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    text: str
    entry: Entry
    confidence: float
    how: str  # exact, suffix, fuzzy
    police_context: bool = False

    @property
    def resolved_by(self) -> str:
        if self.entry.kind == "handle":
            return "handle"
        if self.entry.kind == "station":
            return "station_name"
        return "place"


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


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end) for each word; runs of single Latin letters merge ("L.T." -> "lt")."""
    raw = [(fold(m.group().lstrip("#")), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(raw):
        tok, s, e = raw[i]
        if len(tok) == 1 and tok.isascii() and tok.isalpha():
            j = i
            while j + 1 < len(raw) and len(raw[j + 1][0]) == 1 and raw[j + 1][0].isascii() and raw[j + 1][0].isalpha():
                j += 1
            if j > i:
                out.append(("".join(t for t, _, _ in raw[i : j + 1]), s, raw[j][2]))
                i = j + 1
                continue
        out.append((tok, s, e))
        i += 1
    return out


def alias_keys(alias: str) -> list[str]:
    """The dictionary keys of an alias: its folded words, and the same squeezed together."""
    tokens = [t for t, _, _ in tokenize(alias)]
    if not tokens:
        return []
    keys = [" ".join(tokens)]
    if len(tokens) > 1:
        keys.append("".join(tokens))
    return keys


class PlaceResolver:
    def __init__(self, force: Force):
        self.force = force
        self.exact: dict[str, list[Entry]] = {}
        self.handles: dict[str, str] = {}
        self._deletes: dict[str, set[str]] = {}
        self._skeletons: dict[str, set[str]] = {}
        self._build()
        self._fuzzy_cached = lru_cache(maxsize=65_536)(self._fuzzy_uncached)
        self._suffix_cached = lru_cache(maxsize=65_536)(self._strip_suffix_uncached)

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
        for key in self.exact:
            if " " in key or DEVANAGARI.search(key) or len(key) < 5 or key.isdigit():
                continue
            for d in _deletions(key):
                self._deletes.setdefault(d, set()).add(key)
            self._skeletons.setdefault(skeleton(key), set()).add(key)

    # -- resolving -----------------------------------------------------------------------------------

    def resolve(self, text: str) -> list[Match]:
        """Every place, station and handle the text names, best first."""
        tokens = tokenize(text)
        matches: list[Match] = []
        covered = [False] * len(tokens)
        for i, (tok, s, e) in enumerate(tokens):
            if tok.startswith("@"):
                unit_id = self.handles.get(normalise_handle(tok).replace("_", ""))
                if unit_id is not None:
                    unit = self.force.units[unit_id]
                    kind = "handle" if unit.is_station else "hq_handle"
                    matches.append(Match(s, e, text[s:e], Entry(kind, unit.name, unit_id=unit_id), 1.0, "exact"))
                covered[i] = True
        i = 0
        while i < len(tokens):
            if covered[i]:
                i += 1
                continue
            found = self._match_at(tokens, i, text, covered)
            if found:
                matches.extend(found)
                for k in range(i, i + found[0].end_token):
                    covered[k] = True
                i += found[0].end_token
            else:
                i += 1
        return sorted((m for m in matches if m.entry.kind != "hq_handle"), key=_rank)

    def _match_at(self, tokens, i: int, text: str, covered) -> list[_Found] | None:
        n_max = min(MAX_NGRAM, len(tokens) - i)
        for n in range(n_max, 0, -1):
            if any(covered[i : i + n]):
                continue
            words = [t for t, _, _ in tokens[i : i + n]]
            for key, how in self._candidate_keys(words):
                entries = self.exact.get(key)
                if entries:
                    return self._emit(tokens, i, n, text, entries, how, key)
        return None

    def _candidate_keys(self, words: list[str]):
        spaced = " ".join(words)
        yield spaced, "exact"
        if len(words) > 1:
            yield "".join(words), "exact"
        last = self._suffix_cached(words[-1])
        if last:
            yield " ".join([*words[:-1], last]), "suffix"
        if len(words) <= 2:
            squeezed = "".join(words)
            if len(squeezed) >= 5 and not (len(words) == 1 and squeezed in COMMON_WORDS):
                fuzzy = self._fuzzy_cached(squeezed)
                if fuzzy:
                    yield fuzzy, "fuzzy"

    def _emit(self, tokens, i, n, text, entries, how, key) -> list[_Found] | None:
        s, e = tokens[i][1], tokens[i + n - 1][2]
        police = self._police_context(tokens, i + n) or self._police_context_before(tokens, i)
        place_word = self._place_context(tokens, i, i + n)
        out = []
        for entry in entries:
            if entry.weak and not (place_word or police or n > 1):
                continue
            if entry.kind == "station" and not police and any(x.kind != "station" for x in entries):
                continue  # a bare name that is also a place reads as the place
            conf = _confidence(entry, how, police, key)
            out.append(_Found(s, e, text[s:e], entry, conf, how, police and entry.kind == "station", n))
        return out or None

    @staticmethod
    def _police_context(tokens, j: int) -> bool:
        return any(j + n <= len(tokens) and tuple(t for t, _, _ in tokens[j : j + n]) in POLICE_WORDS for n in (2, 1))

    @staticmethod
    def _police_context_before(tokens, i: int) -> bool:
        return i >= 1 and tokens[i - 1][0] in {"ps", "thana"}

    @staticmethod
    def _place_context(tokens, i: int, j: int) -> bool:
        before = tokens[i - 1][0] if i >= 1 else ""
        after = tokens[j][0] if j < len(tokens) else ""
        return before in PLACE_WORDS or after in PLACE_WORDS

    def _strip_suffix_uncached(self, word: str) -> str | None:
        """'kurlyat' -> 'kurla', 'दादरला' -> 'दादर': a known name under a Marathi or Hindi ending."""
        if word in self.exact:
            return None
        suffixes = SUFFIXES_DEVA if DEVANAGARI.search(word) else SUFFIXES_LATN
        for suffix in suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: -len(suffix)]
                for candidate in _oblique_stems(stem):
                    if candidate in self.exact:
                        return candidate
        return None

    def _fuzzy_uncached(self, word: str) -> str | None:
        """The one alias within one or two edits of `word`, if exactly one is nearest."""
        if word in self.exact or DEVANAGARI.search(word) or word.isdigit():
            return None
        candidates: set[str] = set()
        for d in (word, *_deletions(word)):
            candidates |= self._deletes.get(d, set())
            if d in self.exact and " " not in d:
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


@dataclass(frozen=True, slots=True)
class _Found(Match):
    end_token: int = 1  # tokens consumed from the start position


def _deletions(word: str) -> set[str]:
    return {word[:k] + word[k + 1 :] for k in range(len(word))}


def _oblique_stems(stem: str) -> list[str]:
    out = [stem]
    if stem.endswith("्य"):
        out += [stem[:-2] + "ा", stem[:-2] + "े", stem[:-2]]
    elif stem.endswith("y"):
        out += [stem[:-1] + "a", stem[:-1] + "e", stem[:-1]]
    return out


def _confidence(entry: Entry, how: str, police: bool, key: str) -> float:
    base = {
        "handle": 1.0,
        "station": 0.8,
        "landmark": 0.9,
        "railway_station": 0.9,
        "locality": 0.9,
        "road": 0.8,
        "pincode": 0.85,
    }.get(entry.kind, 0.8)
    if entry.kind == "station" and police:
        base = 0.97
    if " " in key:
        base = min(1.0, base + 0.03)
    return round(base * {"exact": 1.0, "suffix": 0.93, "fuzzy": 0.8}[how], 3)


def _rank(m: Match):
    """Best first: station named as such, higher confidence, more specific kind, longer, earlier."""
    station_first = 0 if m.entry.kind == "handle" or m.police_context else 1
    return (station_first, -m.confidence, KIND_RANK.get(m.entry.kind, 9), -(m.end - m.start), m.start)
