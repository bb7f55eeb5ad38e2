"""Personal data in a message, as character spans, so replies, logs and public pages can mask them.

Indian mobile and landline numbers, e-mail addresses, Aadhaar numbers (12 digits that pass the
Verhoeff check), PAN, vehicle registration numbers (state series and BH series), UPI ids, bank
account numbers (next to a word that says so), card numbers (13-19 digits that pass the Luhn
check) and street addresses (flat, room, building, chawl, road...).
"""

from __future__ import annotations

import re

from thana.triage import Span

# Verhoeff tables (Aadhaar's check digit).
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_valid(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


SEP = r"[ \-.]?"
EMAIL_RE = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
# A UPI id's handle is the payment app's, in lower case ("name@okaxis", "98200…@ybl"); "@MumbaiPolice" is a mention.
UPI_RE = re.compile(r"\b[\w.-]{2,64}@[a-z]{2,20}\b(?!\.[A-Za-z])")
PAN_RE = re.compile(r"\b[A-Z]{3}[ABCFGHLJPTK][A-Z][0-9]{4}[A-Z]\b", re.IGNORECASE)
VEHICLE_RE = re.compile(
    r"\b(?:[A-Z]{2}[ -]?[0-9]{1,2}[ -]?[A-Z]{0,3}[ -]?[0-9]{4}|[0-9]{2}[ -]?BH[ -]?[0-9]{4}[ -]?[A-Z]{1,2})\b",
    re.IGNORECASE,
)
STATE_CODES = set(
    "AN AP AR AS BR CG CH DD DL DN GA GJ HP HR JH JK KA KL LA LD MH ML MN MP MZ NL OD OR PB PY RJ SK TN TR TS "
    "UK UP WB".split()
)
DIGIT_RUN_RE = re.compile(r"(?<![\w])(?:\+?91[ \-]?|0)?(?:\d[ \-]?){9,18}\d(?![\w])")
ACCOUNT_WORDS_RE = re.compile(r"(?:a/?c|acct|account|acc|khata|खाते|खाता|bank)\s*(?:no\.?|number|num|#|:)?\s*$", re.I)
CARD_WORDS_RE = re.compile(r"(?:card|कार्ड)\s*(?:no\.?|number|#|:)?\s*$", re.I)
_ADDRESS_WORDS = (
    "road|rd|marg|lane|galli|gali|nagar|wadi|pada|chawl|society|colony|complex|sector|building|bldg|apartment"
)
# A "." continues an address only inside it ("Room No. 12"): before a digit.
_PART = r"(?:[^\n,.;!?]|\.(?=\s*\d))"
ADDRESS_RE = re.compile(
    r"\b(?:flat|room|house|h\.?\s?no|plot|shop|bldg|building|wing|chawl|chs|society|apartment|apt|tower)\b"
    rf"{_PART}{{0,40}}(?:[,\s]+{_PART}{{0,40}}?(?:{_ADDRESS_WORDS}))*",
    re.IGNORECASE,
)
ADDRESS_WORD_RE = re.compile(rf"\b(?:{_ADDRESS_WORDS}|flat|room|house|plot|shop|wing|tower)\b", re.IGNORECASE)
_DEVA_WORDS = "नगर|रोड|मार्ग|सोसायटी|चाळ|चाल|वाडी|पाडा|कॉलनी|कॉलोनी|बिल्डिंग|इमारत"
ADDRESS_DEVA_RE = re.compile(
    rf"(?:फ्लॅट|फ्लैट|रूम|खोली|घर नं|बिल्डिंग|इमारत|चाळ|चाल|सोसायटी)[^\n,।!?]{{0,40}}"
    rf"(?:[,\s]+[^\n,।!?]{{0,40}}?(?:{_DEVA_WORDS}))*"
)
DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


HAS_DIGIT = re.compile(r"\d")  # any script's digits: ९ as well as 9
# Words an address has, looked for as plain substrings of the lower-cased text (a case-insensitive
# alternation scanned at every position cost more than the rest of the personal-data pass).
ADDRESS_HINTS = (
    "flat", "room", "house", "plot", "shop", "bldg", "building", "wing", "chawl", "chs", "society", "apartment",
    "apt", "tower", "फ्ल", "रूम", "खोली", "घर नं", "बिल्डिंग", "इमारत", "चाळ", "चाल", "सोसायटी",
)  # fmt: skip
HOUSE_NUMBER_RE = re.compile(r"h\.?\s?no")


def _may_hold_address(text: str) -> bool:
    low = text.lower()
    return any(hint in low for hint in ADDRESS_HINTS) or ("no" in low and HOUSE_NUMBER_RE.search(low) is not None)


def find(text: str) -> list[Span]:
    spans: list[Span] = []
    if "@" in text:
        for m in EMAIL_RE.finditer(text):
            spans.append(Span(m.start(), m.end(), "email"))
        for m in UPI_RE.finditer(text):
            if not _overlaps(spans, m.start(), m.end()):
                spans.append(Span(m.start(), m.end(), "upi"))
    if HAS_DIGIT.search(text):  # ९८२०… is a phone number too: read as 9820…, same length, same spans
        _find_numbered(text.translate(DEVANAGARI_DIGITS), spans)
    if _may_hold_address(text):
        _find_addresses(text, spans)
    return sorted(spans, key=lambda s: s.start)


def _find_numbered(text: str, spans: list[Span]) -> None:
    """PAN, vehicle numbers, and runs of digits (phones, Aadhaar, accounts, cards)."""
    for m in PAN_RE.finditer(text):
        spans.append(Span(m.start(), m.end(), "pan"))
    for m in VEHICLE_RE.finditer(text):
        plate = re.sub(r"[ -]", "", m.group()).upper()
        # "ghar ka 2 bhk 1500": Hindi "ka" is not Karnataka; a spaced plate starts in capitals
        head = m.group()[:2]
        spaced_lowercase = any(c in " -" for c in m.group()) and head.isalpha() and not head.isupper()
        if (
            (plate[:2] in STATE_CODES or "BH" in plate[2:4])
            and any(c.isalpha() for c in plate[2:])
            and not spaced_lowercase
            and not _overlaps(spans, m.start(), m.end())
        ):
            spans.append(Span(m.start(), m.end(), "vehicle"))
    for m in DIGIT_RUN_RE.finditer(text):
        if _overlaps(spans, m.start(), m.end()):
            continue
        kind = _digit_kind(m.group(), text[: m.start()])
        if kind:
            spans.append(Span(m.start(), m.end(), kind))


def _find_addresses(text: str, spans: list[Span]) -> None:
    """An address has a number or names two address parts ("Shivaji Chawl, LBS Marg"): "the building
    last night" is not one."""
    for regex in (ADDRESS_RE, ADDRESS_DEVA_RE):
        for m in regex.finditer(text):
            end = len(text[: m.end()].rstrip())
            found = text[m.start() : end]
            parts = len(ADDRESS_WORD_RE.findall(found)) + len(re.findall(_DEVA_WORDS, found))
            if (
                (any(ch.isdigit() for ch in found.translate(DEVANAGARI_DIGITS)) or parts >= 2)
                and end - m.start() >= 6
                and not _overlaps(spans, m.start(), end)
            ):
                spans.append(Span(m.start(), end, "address"))


def _digit_kind(run: str, before: str) -> str | None:
    digits = re.sub(r"\D", "", run)
    local = (
        digits[2:] if len(digits) == 12 and digits.startswith("91") and run.lstrip().startswith(("+", "9")) else digits
    )
    if len(digits) == 11 and digits.startswith("0"):
        local = digits[1:]
    if CARD_WORDS_RE.search(before[-25:]) and 13 <= len(digits) <= 19:
        return "card"
    if ACCOUNT_WORDS_RE.search(before[-25:]) and 9 <= len(digits) <= 18:
        return "account"
    if len(digits) == 12 and digits[0] not in "01" and verhoeff_valid(digits) and not run.startswith("+"):
        return "aadhaar"
    if len(local) == 10 and local[0] in "6789":
        return "phone"
    if len(local) == 10 and local.startswith("22"):
        return "phone"  # Mumbai landline with its area code
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "card"
    if 9 <= len(digits) <= 18:
        return "account"
    return None


def _overlaps(spans: list[Span], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def mask(text: str, spans: list[Span] | None = None) -> str:
    """The text with each personal datum replaced by its kind: 'call me on [phone]'."""
    spans = find(text) if spans is None else spans
    out, last = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < last:
            continue
        out.append(text[last : s.start])
        out.append(f"[{s.kind}]")
        last = s.end
    out.append(text[last:])
    return "".join(out)
