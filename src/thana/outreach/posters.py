"""Posters (A4) and cards (A6) for a police station, in English, Hindi and Marathi.

Pure: each function takes the force and returns the bytes of a one-page PDF; writing files is the
caller's business (`thana poster`, the station page's download links).

What a poster carries, top to bottom: the force's name; "For women's safety" in three languages;
the station's name in three languages, large; the station's women's helpline number, or "not
published" in three languages with the numbers to call meanwhile; the emergency numbers (112, 103,
1930, 1098 where the force lists them) with their labels in three languages; the station's X handle;
QR codes for the X profile, WhatsApp click-to-chat (only when the station has a published WhatsApp
number; otherwise the poster says so in the QR's place) and the station's page.

Layout: black text on white, one accent colour (the headline, the big numbers, thin rules). Every
line is a single line, shrunk to fit its width; if the whole layout is taller than the page, it is
drawn again at a smaller scale, so nothing ever leaves the page. Devanagari is shaped by HarfBuzz
(fpdf2's text shaping), so conjuncts, half forms and matras render as they should; the shipped Noto
fonts (OFL) are used, never the system's.

Sets (`station_set`, `build_set`): one PDF per station per format, named `<station id>-poster-a4.pdf`
and `<station id>-card-a6.pdf`, so that a zone's stations can be printed, mailed or replaced one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import qrcode
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

from thana.force.model import Force, Unit

FONTS_DIR = Path(__file__).parent / "fonts"
LANGS = ("en", "hi", "mr")
POSTER_NUMBERS = ("112", "103", "1930", "1098")
FORMATS = ("poster", "card")
PAGE_SIZES = {"A4": (210.0, 297.0), "A6": (105.0, 148.0)}  # mm, portrait
FILE_SUFFIX = {"poster": "poster-a4", "card": "card-a6"}

PT = 25.4 / 72  # mm per point
DEVANAGARI_BOOST = 1.08
QUIET_MODULES = 4  # the white margin a QR code needs around it, in modules
MIN_PT = 3.0  # shrink-to-fit stops here (never reached by the bundled force)
BLACK = (0, 0, 0)
GREY = (90, 90, 90)
ACCENT = (136, 14, 79)  # a deep magenta: strong on white, dark enough to print in greyscale

# The poster's own words. Station names, zone names and the emergency numbers' labels come from the force.
TEXT: dict[str, dict[str, str]] = {
    "headline": {"en": "For women's safety", "hi": "महिला सुरक्षा के लिए", "mr": "महिला सुरक्षेसाठी"},
    "police_station": {"en": "{name} Police Station", "hi": "{name} पुलिस थाना", "mr": "{name} पोलीस ठाणे"},
    "station_helpline": {
        "en": "Women's helpline of this station",
        "hi": "इस थाने की महिला हेल्पलाइन",
        "mr": "या ठाण्याची महिला हेल्पलाइन",
    },
    "not_published": {"en": "not published", "hi": "प्रकाशित नहीं", "mr": "प्रसिद्ध नाही"},
    "meanwhile": {
        "en": "Meanwhile, call {numbers}",
        "hi": "तब तक {numbers} पर कॉल करें",
        "mr": "तोपर्यंत {numbers} वर कॉल करा",
    },
    "or": {"en": " or ", "hi": " या ", "mr": " किंवा "},
    "emergency": {"en": "Emergency numbers", "hi": "आपातकालीन नंबर", "mr": "आपत्कालीन क्रमांक"},
    "x_profile": {"en": "X profile", "hi": "X प्रोफ़ाइल", "mr": "X प्रोफाइल"},
    "whatsapp": {"en": "WhatsApp chat", "hi": "WhatsApp चैट", "mr": "WhatsApp चॅट"},
    "station_page": {"en": "Station page", "hi": "थाने का पेज", "mr": "ठाण्याचे पान"},
    "no_number": {"en": "No number published", "hi": "नंबर प्रकाशित नहीं", "mr": "क्रमांक प्रसिद्ध नाही"},
    "no_handle": {"en": "No handle published", "hi": "हैंडल प्रकाशित नहीं", "mr": "हँडल प्रसिद्ध नाही"},
    "scan": {
        "en": "Scan with your phone's camera",
        "hi": "फ़ोन के कैमरे से स्कैन करें",
        "mr": "फोनच्या कॅमेऱ्याने स्कॅन करा",
    },
    "danger": {
        "en": "In danger? Call 112 at once.",
        "hi": "ख़तरे में हैं? तुरंत 112 पर कॉल करें।",
        "mr": "धोक्यात आहात? लगेच 112 वर कॉल करा.",
    },
}


STATION_WORDS = {
    "en": ("police station",),
    "hi": ("पुलिस स्टेशन", "पुलिस थाना", "थाना"),
    "mr": ("पोलीस स्टेशन", "पोलीस ठाणे", "ठाणे"),
}


def text(key: str, lang: str, **values: str) -> str:
    entry = TEXT[key][lang]
    return entry.format(**values) if values else entry


class UnknownStation(LookupError):
    pass


# -- what goes on a poster -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Qr:
    key: str  # caption key in TEXT
    url: str | None  # None: nothing to link to, the poster says so in the code's place
    missing_key: str = "no_number"

    @property
    def shown(self) -> str:
        """The link as printed under the code, without the scheme."""
        return re.sub(r"^https?://", "", self.url or "")


@dataclass(frozen=True)
class Content:
    force_names: tuple[str, ...]
    station_names: dict[str, str]  # lang -> "Charkop Police Station" in that language
    area: str  # "Zone 11 · North Region"
    helpline: str | None  # the station's women's helpline number, None when not published
    meanwhile: tuple[str, ...]  # numbers to call while the station's own number is not published
    numbers: tuple[tuple[str, dict[str, str]], ...]  # (number, lang -> short label)
    x_handle: str | None
    qrs: tuple[Qr, ...]


def station_url(base_url: str, station_id: str) -> str:
    return f"{base_url.rstrip('/')}/stations/{quote(station_id)}"


def whatsapp_url(force: Force, unit_id: str) -> str | None:
    """wa.me click-to-chat for the unit's own published WhatsApp number; None when it has none."""
    number = force.channel_summary(unit_id).get("whatsapp")
    if not number:
        return None
    digits = force.normalise_number(number)
    return f"https://wa.me/{digits}" if len(digits) >= 10 else None


def short_label(label: str) -> str:
    """'Women's helpline (Mumbai Police, Nirbhaya Squad)' -> "Women's helpline": a poster line, not a note."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", label).strip() or label


def poster_numbers(force: Force) -> tuple[tuple[str, dict[str, str]], ...]:
    chosen = [e for n in POSTER_NUMBERS if (e := force.emergency_number(n)) is not None]
    if not chosen:
        chosen = list(force.emergency_numbers[:4])
    return tuple((e.number, {lang: short_label(e.label_in(lang)) for lang in LANGS}) for e in chosen)


def station_unit(force: Force, station_id: str) -> Unit:
    unit = force.units.get(station_id)
    if unit is None:
        raise UnknownStation(f"no unit {station_id!r} in force {force.id!r}")
    if not unit.is_station:
        raise UnknownStation(f"{station_id!r} is a {unit.kind.replace('_', ' ')}, not a police station")
    return unit


def station_title(unit: Unit, lang: str) -> str:
    """'Charkop Police Station'; a name that already says it is a police station is left as it is."""
    name = unit.name_in(lang)
    if any(name.casefold().endswith(word) for word in STATION_WORDS[lang]):
        return name
    return text("police_station", lang, name=name)


def content(force: Force, station_id: str, base_url: str) -> Content:
    unit = station_unit(force, station_id)
    summary = force.channel_summary(station_id)
    handle = force.x_handle(station_id)
    area = " · ".join(
        u.name for kind in ("division", "zone", "region") if (u := force.ancestor_of_kind(station_id, kind))
    )
    meanwhile = [n for n in ("103", "112") if force.emergency_number(n) is not None]
    return Content(
        force_names=tuple(dict.fromkeys(n for n in (force.name, force.names.get("hi"), force.names.get("mr")) if n)),
        station_names={lang: station_title(unit, lang) for lang in LANGS},
        area=area,
        helpline=summary.get("women_helpline"),
        meanwhile=tuple(meanwhile),
        numbers=poster_numbers(force),
        x_handle=handle,
        qrs=(
            Qr("x_profile", f"https://x.com/{handle.lstrip('@')}" if handle else None, "no_handle"),
            Qr("whatsapp", whatsapp_url(force, station_id)),
            Qr("station_page", station_url(base_url, station_id)),
        ),
    )


# -- drawing ---------------------------------------------------------------------------------------------


class _Pdf(FPDF):
    """One page, the shipped fonts, HarfBuzz shaping, no automatic page breaks."""

    def __init__(self, page: str, margin: float):
        super().__init__(orientation="portrait", unit="mm", format=PAGE_SIZES[page])
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(False)
        for family, stem in (("latin", "NotoSans"), ("deva", "NotoSansDevanagari")):
            self.add_font(family, "", FONTS_DIR / f"{stem}-Regular.ttf")
            self.add_font(family, "B", FONTS_DIR / f"{stem}-Bold.ttf")
        self.set_text_shaping(True)
        self.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))  # the same force gives the same bytes
        self.set_producer("Thana")
        self.add_page()

    def use(self, lang: str, size: float, bold: bool = False, colour: tuple[int, int, int] = BLACK) -> None:
        """The font for a language: Noto Sans Devanagari for Hindi and Marathi (Latin falls back to Noto Sans)."""
        size = font_size(lang, size)
        if is_devanagari(lang):
            self.set_font("deva", "B" if bold else "", size)
            self.set_fallback_fonts(["latin"])
        else:
            self.set_font("latin", "B" if bold else "", size)
            self.set_fallback_fonts(["deva"])
        self.set_text_color(*colour)

    def line(
        self,
        x: float,
        y: float,
        w: float,
        s: str,
        lang: str,
        size: float,
        bold: bool = False,
        colour: tuple[int, int, int] = BLACK,
        align: str = "C",
    ) -> float:
        """One line of text in a box `w` wide at `y`, shrunk to fit; returns the height used (mm)."""
        fitted = size
        self.use(lang, fitted, bold, colour)
        width = self.get_string_width(s)
        while width > w and fitted > MIN_PT:
            fitted = max(MIN_PT, fitted * w / width * 0.98)
            self.use(lang, fitted, bold, colour)
            width = self.get_string_width(s)
        height = line_height(lang, size)
        self.set_xy(x, y)
        # Shaped Devanagari draws glyphs out of the text's order (the i-matra before its consonant, conjuncts
        # as one glyph), which text extraction then garbles ("महि ला"). /ActualText gives readers, search and
        # screen readers the line as written. fpdf2 has no API for it: `_out` writes to the page's content.
        # The line's font is set just before the span, as readers size the span with the font in force there.
        self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        self._out(f"/Span <</ActualText {pdf_text_string(s)}>> BDC")
        self.cell(w, height, s, align=align)
        self._out("EMC")
        return height

    def rule(self, y: float, thickness: float = 0.6) -> None:
        self.set_fill_color(*ACCENT)
        self.rect(self.l_margin, y, self.epw, thickness, style="F")

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        """The QR code of `url`, drawn as vector squares in black (size excludes the quiet zone)."""
        matrix = qr_matrix(url)
        cell = size / len(matrix)
        self.set_fill_color(*BLACK)
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    # A hair of overlap, so that renderers draw no seams between neighbouring squares.
                    self.rect(x + start * cell, y + r * cell, (c - start) * cell + 0.02, cell + 0.02, style="F")
                else:
                    c += 1
        self.link(x, y, size, size, url)


@lru_cache(maxsize=512)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of `url` (error correction M, no quiet zone: the layout leaves it)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def stack(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(language, text) lines for the three languages; Marathi is left out where it reads the same as Hindi."""
    return [(lang, texts[lang]) for lang in LANGS if not (lang == "mr" and texts["mr"] == texts.get("hi"))]


def pdf_text_string(s: str) -> str:
    """A PDF text string in UTF-16BE hex, as /ActualText wants it."""
    return "<FEFF" + s.encode("utf-16-be").hex().upper() + ">"


def is_devanagari(lang: str) -> bool:
    return lang in ("hi", "mr")


def font_size(lang: str, size_pt: float) -> float:
    """Noto Sans Devanagari looks smaller than Noto Sans at the same size: set it a little larger."""
    return size_pt * (DEVANAGARI_BOOST if is_devanagari(lang) else 1.0)


def line_height(lang: str, size_pt: float) -> float:
    """Line height (mm) for a font size: Devanagari needs room for matras above and below the line."""
    return font_size(lang, size_pt) * PT * (1.45 if is_devanagari(lang) else 1.2)


@dataclass(frozen=True)
class _Spec:
    """Sizes (pt) and distances (mm) of one format at scale 1."""

    page: str
    margin: float
    force_pt: float
    headline_pt: float
    name_pt: tuple[float, float]  # English, Devanagari
    area_pt: float
    label_pt: float
    value_pt: float  # the station's helpline number
    missing_pt: float  # "not published"
    number_pt: float
    number_col: float
    number_label_pt: float
    handle_pt: float
    qr: float
    caption_pt: float
    url_pt: float
    footer_pt: float
    gap: float
    rule: float
    scan_line: bool


POSTER = _Spec(
    page="A4", margin=12, force_pt=10, headline_pt=24, name_pt=(42, 34), area_pt=10, label_pt=12.5, value_pt=30,
    missing_pt=15, number_pt=36, number_col=44, number_label_pt=11, handle_pt=24, qr=40, caption_pt=9.5, url_pt=7.5,
    footer_pt=11.5, gap=3.2, rule=0.7, scan_line=True,
)  # fmt: skip
CARD = _Spec(
    page="A6", margin=6, force_pt=5.5, headline_pt=11, name_pt=(16, 13), area_pt=5.5, label_pt=6.5, value_pt=13,
    missing_pt=7, number_pt=14, number_col=17, number_label_pt=6, handle_pt=10, qr=23, caption_pt=5.5, url_pt=4.8,
    footer_pt=6.2, gap=1.3, rule=0.35, scan_line=False,
)  # fmt: skip


class _Measure:
    """Stands in for the page to measure a layout: line heights depend only on the sizes asked for."""

    def __init__(self, page: str, margin: float):
        self.w, self.h = PAGE_SIZES[page]
        self.l_margin, self.epw = margin, self.w - 2 * margin

    def line(self, x: float, y: float, w: float, s: str, lang: str, size: float, *args, **kwargs) -> float:
        return line_height(lang, size)

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None  # drawing, colours, metadata: nothing to measure


def _draw(c: Content, spec: _Spec, scale: float, measure: bool = False) -> tuple[_Pdf, float]:
    """Draw the page at `scale` (or only measure it); returns the page and the y (mm) where the content ended."""
    pdf = _Measure(spec.page, spec.margin) if measure else _Pdf(spec.page, spec.margin)
    pdf.set_title(f"{c.station_names['en']}: for women's safety")
    pdf.set_author(c.force_names[0] if c.force_names else "")
    pdf.set_lang("en-IN")
    x0, w = pdf.l_margin, pdf.epw
    gap = spec.gap * scale

    def pt(size: float) -> float:
        return size * scale

    def three(key: str, sep: str = "  ·  ", **values: str) -> str:
        return sep.join(text(key, lang, **values) for lang in LANGS)

    # Accent bars inside the margins, not bleeding off the page: office printers leave the edges blank.
    bar = spec.margin * 0.15
    pdf.set_fill_color(*ACCENT)
    pdf.rect(x0, spec.margin * 0.6, w, bar, style="F")
    pdf.rect(x0, pdf.h - spec.margin * 0.6 - bar, w, bar, style="F")

    # Whose poster, and what for.
    y = spec.margin
    y += pdf.line(x0, y, w, "  ·  ".join(c.force_names), "hi", pt(spec.force_pt), colour=GREY)
    y += pdf.line(x0, y, w, three("headline"), "hi", pt(spec.headline_pt), bold=True, colour=ACCENT)
    y += gap * 0.4
    pdf.rule(y, spec.rule)
    y += gap

    # The station, in three scripts, as large as the width allows.
    for lang in LANGS:
        size = spec.name_pt[0] if lang == "en" else spec.name_pt[1]
        y += pdf.line(x0, y, w, c.station_names[lang], lang, pt(size), bold=True)
    if c.area:
        y += pdf.line(x0, y, w, c.area, "en", pt(spec.area_pt), colour=GREY)
    y += gap

    # The station's own women's helpline, or "not published" and what to call meanwhile.
    label_w = w * 0.55
    top = y
    for lang in LANGS:
        y += pdf.line(x0, y, label_w, text("station_helpline", lang), lang, pt(spec.label_pt), align="L")
    left_bottom, y = y, top
    vx, vw = x0 + label_w, w - label_w
    if c.helpline:
        height = line_height("en", pt(spec.value_pt))
        y += pdf.line(vx, top + max(0.0, (left_bottom - top - height) / 2), vw, c.helpline, "en", pt(spec.value_pt),
                      bold=True, colour=ACCENT)  # fmt: skip
    else:
        for lang in LANGS:
            y += pdf.line(vx, y, vw, text("not_published", lang), lang, pt(spec.missing_pt), bold=True, colour=ACCENT)
    y = max(y, left_bottom)
    if not c.helpline and c.meanwhile:
        meanwhile = "  ·  ".join(text("meanwhile", lang, numbers=text("or", lang).join(c.meanwhile)) for lang in LANGS)
        y += pdf.line(x0, y, w, meanwhile, "hi", pt(spec.label_pt * 0.85))
    y += gap * 0.5
    pdf.rule(y, spec.rule * 0.5)
    y += gap * 0.5

    # The emergency numbers, each with its label in three languages.
    y += pdf.line(x0, y, w, three("emergency"), "hi", pt(spec.label_pt), bold=True)
    col = spec.number_col * scale
    for number, labels in c.numbers:
        y += gap * 0.7
        top = y
        for lang, label in stack(labels):
            y += pdf.line(x0 + col, y, w - col, label, lang, pt(spec.number_label_pt), align="L")
        height = line_height("en", pt(spec.number_pt))
        pdf.line(x0, top + (y - top - height) / 2, col - 2 * scale, number, "en", pt(spec.number_pt), bold=True,
                 colour=ACCENT, align="L")  # fmt: skip
    y += gap * 0.6
    pdf.rule(y, spec.rule * 0.5)
    y += gap * 0.5

    # The X handle, then the QR codes with their captions (or, in a code's place, why there is none).
    if c.x_handle:
        y += pdf.line(x0, y, w, f"X: {c.x_handle}", "en", pt(spec.handle_pt), bold=True)
    if spec.scan_line:
        y += pdf.line(x0, y, w, three("scan"), "hi", pt(spec.caption_pt), colour=GREY)
    qr = spec.qr * scale
    modules = max((len(qr_matrix(item.url)) for item in c.qrs if item.url), default=0)
    quiet = QUIET_MODULES * qr / modules if modules else gap  # white space above and below the codes
    y += quiet
    slot = w / len(c.qrs)
    bottom = y
    for i, item in enumerate(c.qrs):
        sx = x0 + i * slot
        qx = sx + (slot - qr) / 2
        if item.url:
            pdf.qr(item.url, qx, y, qr)
        else:
            pdf.set_draw_color(*GREY)
            pdf.set_line_width(0.25 * scale)
            pdf.rect(qx, y, qr, qr)
            inner = qr * 0.88
            lines = stack({lang: text(item.missing_key, lang) for lang in LANGS})
            ty = y + qr / 2 - sum(line_height(lang, pt(spec.caption_pt)) for lang, _ in lines) / 2
            for lang, missing in lines:
                ty += pdf.line(qx + (qr - inner) / 2, ty, inner, missing, lang, pt(spec.caption_pt))
        cy = y + qr + quiet
        for lang, caption in stack({lang: text(item.key, lang) for lang in LANGS}):
            cy += pdf.line(sx + 1, cy, slot - 2, caption, lang, pt(spec.caption_pt), bold=lang == "en")
        if item.url:
            cy += pdf.line(sx + 1, cy, slot - 2, item.shown, "en", pt(spec.url_pt), colour=GREY)
        bottom = max(bottom, cy)
    y = bottom + gap * 0.4
    y += pdf.line(x0, y, w, three("danger", sep="   "), "hi", pt(spec.footer_pt), bold=True, colour=ACCENT)
    return pdf, y


def _render(c: Content, spec: _Spec) -> bytes:
    """Measure, shrink the whole layout until it fits the page, then draw it once."""
    limit = PAGE_SIZES[spec.page][1] - spec.margin
    scale = 1.0
    for _ in range(20):
        _, end = _draw(c, spec, scale, measure=True)
        if end <= limit:
            break
        scale *= max(0.8, min(0.99, limit / end))
    pdf, _ = _draw(c, spec, scale)
    return bytes(pdf.output())


def poster(force: Force, station_id: str, base_url: str) -> bytes:
    """The station's A4 poster, one page of PDF."""
    return _render(content(force, station_id, base_url), POSTER)


def card(force: Force, station_id: str, base_url: str) -> bytes:
    """The station's A6 card: the same essentials, smaller."""
    return _render(content(force, station_id, base_url), CARD)


BUILDERS = {"poster": poster, "card": card}


def file_name(station_id: str, kind: str) -> str:
    return f"{station_id}-{FILE_SUFFIX[kind]}.pdf"


# -- sets ------------------------------------------------------------------------------------------------


def station_set(force: Force, zone_id: str | None = None) -> list[Unit]:
    """The active stations of a zone (or any unit above stations), or of the whole force."""
    if zone_id is None:
        return force.stations()
    return [u for u in force.stations_under(zone_id) if u.active]


def build_set(
    force: Force, stations: Iterable[Unit], base_url: str, formats: Iterable[str] = FORMATS
) -> Iterator[tuple[str, bytes]]:
    """(file name, PDF bytes) for each station and format: one PDF per station per format."""
    kinds = [k for k in FORMATS if k in set(formats)]
    for unit in stations:
        c = content(force, unit.id, base_url)
        for kind in kinds:
            yield file_name(unit.id, kind), _render(c, POSTER if kind == "poster" else CARD)
