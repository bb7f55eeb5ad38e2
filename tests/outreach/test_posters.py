"""Posters (A4) and cards (A6) for each station: checked as a person would, on the rendered page.

Every PDF is rendered to PNG with poppler's `pdftoppm` and read back with `pdftotext`: the text of all
three scripts is there, every line stays inside the page, the QR codes decode (zxing-cpp, a real decoder)
to the right links, and the Devanagari is shaped by HarfBuzz rather than drawn letter by letter.

How shaping is checked, against the unshaped failure mode:
- in the PDF: a line with conjuncts ("प्रसिद्ध नाही") is as wide as HarfBuzz says it should be, and
  clearly narrower than the same letters set one glyph per character from the font's cmap;
- on the page: in the rendered PNG the ink of "प्रसिद्ध" against "नाही" has the proportions of a
  shaped rendering by an independent renderer (Pillow with libraqm), not of an unshaped one;
- the same two checks are run on an unshaped PDF made here, and must reject it.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont, features
from typer.testing import CliRunner

from thana.cli import app as cli_app
from thana.config import reload_settings
from thana.force.model import Channel
from thana.outreach import posters
from thana.web.app import create_app

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (the test extra) decodes the QR codes")
pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="needs poppler-utils"
)

BASE = "https://thana.example.in"
FONTS = Path(posters.__file__).parent / "fonts"
DPI = 150
PAGE_PT = {"poster": (595.28, 841.89), "card": (297.64, 419.53)}  # A4 and A6, in points
EDGE_MM = {"poster": 9.0, "card": 4.5}  # text and ink keep at least this far from the page's edges
MM = 72 / 25.4


# -- reading a PDF back ----------------------------------------------------------------------------------


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def render(pdf: Path, dpi: int = DPI) -> Image.Image:
    stem = pdf.with_suffix("").with_name(pdf.stem + f"-{dpi}")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(stem)], check=True)
    return Image.open(stem.with_suffix(".png")).convert("L")


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", out.stdout)


def pdf_lines(pdf: Path) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """The page size and each text run with its box (points, origin top left), from `pdftotext -bbox`."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True)
    doc = out.stdout.decode("utf-8")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', doc)
    assert len(pages) == 1, f"{pdf.name} has {len(pages)} pages"
    words = [
        (html.unescape(t), float(a), float(b), float(c), float(d))
        for a, b, c, d, t in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', doc
        )
    ]
    return (float(pages[0][0]), float(pages[0][1])), words


def decode(image: Image.Image) -> list[str]:
    return sorted(r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode)


def dark_fraction(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(histogram[:128]) / (image.width * image.height)


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    return image.point(lambda v: 255 if v < 200 else 0).getbbox()


def check_page(pdf: Path, kind: str) -> Image.Image:
    """One page of the right size; not blank; every text run and all ink well inside the page."""
    (width, height), lines = pdf_lines(pdf)
    assert (round(width), round(height)) == tuple(round(v) for v in PAGE_PT[kind]), (pdf.name, width, height)
    edge = EDGE_MM[kind] * MM
    assert len(lines) > 20, f"{pdf.name}: only {len(lines)} text runs"
    for text, x0, y0, x1, y1 in lines:
        assert edge <= x0 < x1 <= width - edge and edge <= y0 < y1 <= height - edge, (pdf.name, text, x0, y0, x1, y1)
    # No line runs into another (boxes trimmed top and bottom: poppler's boxes include the font's full ascent).
    boxes = [(t, x0, y0 + (y1 - y0) * 0.25, x1, y1 - (y1 - y0) * 0.25) for t, x0, y0, x1, y1 in lines]
    for i, (ta, ax0, ay0, ax1, ay1) in enumerate(boxes):
        for tb, bx0, by0, bx1, by1 in boxes[i + 1 :]:
            overlap = min(ax1, bx1) - max(ax0, bx0) > 0.5 and min(ay1, by1) - max(ay0, by0) > 0.5
            assert not overlap, f"{pdf.name}: {ta!r} overlaps {tb!r}"
    image = render(pdf)
    assert 0.02 < dark_fraction(image) < 0.5, f"{pdf.name} looks blank or black: {dark_fraction(image):.3f}"
    left, top, right, bottom = ink_box(image)
    px = 3 * DPI / 25.4  # 3 mm: what an office printer leaves blank at the edges
    assert left >= px and top >= px and right <= image.width - px and bottom <= image.height - px, ink_box(image)
    return image


# -- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charkop(mumbai, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("charkop")
    return {
        "poster": write(tmp, "charkop-poster.pdf", posters.poster(mumbai, "charkop", BASE)),
        "card": write(tmp, "charkop-card.pdf", posters.card(mumbai, "charkop", BASE)),
    }


@pytest.fixture(scope="module")
def published(mumbai, tmp_path_factory) -> dict[str, Path]:
    """Charkop as it will be once its numbers are published (made-up numbers)."""
    force = replace(
        mumbai,
        channels=(
            *mumbai.channels,
            Channel("charkop", "women_helpline", "98200 00000"),
            Channel("charkop", "whatsapp", "+91 98200 00001"),
        ),
    )
    tmp = tmp_path_factory.mktemp("published")
    return {
        "poster": write(tmp, "poster.pdf", posters.poster(force, "charkop", BASE)),
        "card": write(tmp, "card.pdf", posters.card(force, "charkop", BASE)),
    }


def zone_stations(mumbai, zone_id: str) -> list[str]:
    """Active stations under a zone, walked by hand (not through the code under test)."""

    def in_zone(uid: str) -> bool:
        parent = mumbai.units[uid].parent_id
        while parent is not None:
            if parent == zone_id:
                return True
            parent = mumbai.units[parent].parent_id
        return False

    return sorted(
        u.id
        for u in mumbai.units.values()
        if u.kind in ("station", "cyber_station") and u.status == "active" and in_zone(u.id)
    )


@pytest.fixture(scope="module")
def zone11(tmp_path_factory) -> Path:
    """`thana poster --zone 11 --out DIR`, once for the module."""
    out = tmp_path_factory.mktemp("zone11")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("THANA_FORCE", "THANA_BASE_URL"):
            mp.delenv(key, raising=False)
        mp.setenv("THANA_BASE_URL", BASE)
        reload_settings()
        result = CliRunner().invoke(cli_app, ["poster", "--zone", "11", "--out", str(out), "--jobs", "2"])
    reload_settings()
    assert result.exit_code == 0, result.output
    return out


# -- one station -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["poster", "card"])
def test_charkop_page_is_one_page_of_its_size_with_everything_inside(charkop, kind, output_dir):
    """An A4 poster / A6 card: one page, not blank, no text or ink outside the page or over other text."""
    check_page(charkop[kind], kind).save(output_dir / f"charkop-{kind}.png")  # for a person to look at


@pytest.mark.parametrize("kind", ["poster", "card"])
def test_charkop_text_in_all_three_scripts(charkop, kind):
    """Station name, headline, 'not published', the numbers and their labels in English, Hindi and Marathi."""
    text = pdf_text(charkop[kind])
    for phrase in (
        "Charkop Police Station",
        "चारकोप पुलिस थाना",
        "चारकोप पोलीस ठाणे",
        "For women's safety",
        "महिला सुरक्षा के लिए",
        "महिला सुरक्षेसाठी",
        "Women's helpline of this station",
        "इस थाने की महिला हेल्पलाइन",
        "या ठाण्याची महिला हेल्पलाइन",
        "not published",
        "प्रकाशित नहीं",
        "प्रसिद्ध नाही",
        "Meanwhile, call 103 or 112",
        "X: @charkopps",
        "Emergency: Dial 112",
        "आपातकालीन सहायता: डायल 112",
        "आपत्कालीन मदत: डायल ११२",
        "Cyber fraud helpline",
        "सायबर फसवणूक हेल्पलाइन",
        "Child helpline",
        "चाइल्ड हेल्पलाइन",
        "No number published",  # in the WhatsApp code's place: Charkop has no published WhatsApp number
        "नंबर प्रकाशित नहीं",
        "क्रमांक प्रसिद्ध नाही",
        "In danger? Call 112 at once.",
        "ख़तरे में हैं? तुरंत 112 पर कॉल करें।",
        "धोक्यात आहात? लगेच 112 वर कॉल करा.",
    ):
        assert phrase in text, phrase
    for number in ("112", "103", "1930", "1098"):
        assert re.search(rf"(?<!\d){number}(?!\d)", text), number


@pytest.mark.parametrize("kind", ["poster", "card"])
def test_charkop_qr_codes_decode_to_x_and_station_page(charkop, kind):
    """Two codes (no WhatsApp number is published): the X profile and the station's page."""
    assert decode(render(charkop[kind])) == ["https://thana.example.in/stations/charkop", "https://x.com/charkopps"]


@pytest.mark.parametrize("kind", ["poster", "card"])
def test_published_numbers_show_and_whatsapp_code_decodes(published, kind):
    """With a women's helpline and a WhatsApp number: both printed, and a wa.me code with the full number."""
    check_page(published[kind], kind)
    assert decode(render(published[kind])) == [
        "https://thana.example.in/stations/charkop",
        "https://wa.me/919820000001",
        "https://x.com/charkopps",
    ]
    text = pdf_text(published[kind])
    assert "98200 00000" in text
    assert "not published" not in text and "No number published" not in text


def test_station_without_x_handle_says_so(mumbai, tmp_path):
    """A cyber police station has no X handle: no X code, 'No handle published' in its place, long names fit."""
    pdf = write(tmp_path, "cyber.pdf", posters.poster(mumbai, "cyber-north", BASE))
    image = check_page(pdf, "poster")
    assert decode(image) == ["https://thana.example.in/stations/cyber-north"]
    text = pdf_text(pdf)
    for phrase in ("North Region Cyber Police Station", "No handle published", "हँडल प्रसिद्ध नाही"):
        assert phrase in text
    assert "Police Station Police Station" not in text


def test_unknown_and_non_station_ids_are_refused(mumbai):
    with pytest.raises(posters.UnknownStation, match="no unit"):
        posters.poster(mumbai, "atlantis", BASE)
    with pytest.raises(posters.UnknownStation, match="not a police station"):
        posters.card(mumbai, "zone-11", BASE)


def test_same_force_gives_the_same_bytes(mumbai):
    assert posters.card(mumbai, "gorai", BASE) == posters.card(mumbai, "gorai", BASE)


# -- shaping ---------------------------------------------------------------------------------------------


def hb_width(font: Path, text: str) -> float:
    """Advance width in em after HarfBuzz shaping: the reference."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(font)))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb.Font(face), buf, {})
    return sum(p.x_advance for p in buf.glyph_positions) / face.upem


def cmap_width(font: Path, text: str) -> float:
    """Advance width in em of one glyph per character from the cmap: the unshaped failure mode."""
    from fontTools.ttLib import TTFont

    tt = TTFont(str(font))
    cmap, hmtx = tt.getBestCmap(), tt["hmtx"]
    return sum(hmtx[cmap[ord(c)]][0] for c in text) / tt["head"].unitsPerEm


def line_box(pdf: Path, line: str) -> tuple[float, float, float, float]:
    """The box of a line of text: one run (the posters mark each line) or consecutive words on one baseline."""
    _, runs = pdf_lines(pdf)
    rows: dict[float, list] = {}
    for run in runs:
        if run[0] == line:
            return run[1:]
        rows.setdefault(round(run[4], 1), []).append(run)
    for row in rows.values():
        row.sort(key=lambda r: r[1])
        for i in range(len(row)):
            for j in range(i + 1, len(row) + 1):
                if " ".join(r[0] for r in row[i:j]) == line:
                    part = row[i:j]
                    return part[0][1], min(r[2] for r in part), part[-1][3], max(r[4] for r in part)
    raise AssertionError(f"no line {line!r} in {pdf.name}")


def em_width_in_pdf(pdf: Path, line: str, font: Path) -> float:
    """The width of a one-font line in the PDF, in em: poppler's box is (ascent - descent) x size high."""
    from fontTools.ttLib import TTFont

    hhea = TTFont(str(font))["hhea"]
    extent = (hhea.ascent - hhea.descent) / 1000
    x0, y0, x1, y1 = line_box(pdf, line)
    return (x1 - x0) / ((y1 - y0) / extent)


def ink_runs(image: Image.Image, min_gap: int) -> list[int]:
    """Widths (px) of the runs of inked columns separated by at least `min_gap` blank columns."""
    columns = [any(image.getpixel((x, y)) < 128 for y in range(image.height)) for x in range(image.width)]
    runs, start, blank = [], None, 0
    for x, inked in enumerate([*columns, *([False] * min_gap)]):
        if inked:
            if start is None:
                start = x
            blank, end = 0, x
        elif start is not None:
            blank += 1
            if blank >= min_gap:
                runs.append(end - start + 1)
                start = None
    return runs


def ink_ratio_on_page(pdf: Path, line: str) -> float:
    """Rendered at 300 dpi: ink width of the line's first word over its second."""
    x0, y0, x1, y1 = line_box(pdf, line)
    image = render(pdf, 300)
    k = 300 / 72
    crop = image.crop((int(x0 * k) - 4, int(y0 * k), int(x1 * k) + 4, int(y1 * k)))
    runs = ink_runs(crop, min_gap=max(3, int((y1 - y0) * k * 0.08)))
    assert len(runs) == 2, f"{line!r}: expected two words, found ink runs {runs}"
    return runs[0] / runs[1]


def reference_ink_ratio(font: Path, first: str, second: str, engine) -> float:
    """The same ratio drawn by Pillow: RAQM shapes (libraqm + HarfBuzz), BASIC sets one glyph per character."""
    f = ImageFont.truetype(str(font), 200, layout_engine=engine)

    def width(word: str) -> int:
        image = Image.new("L", (200 * (len(word) + 2), 600), 0)
        ImageDraw.Draw(image).text((200, 200), word, font=f, fill=255)
        box = image.getbbox()
        return box[2] - box[0]

    return width(first) / width(second)


BOLD = FONTS / "NotoSansDevanagari-Bold.ttf"
REGULAR = FONTS / "NotoSansDevanagari-Regular.ttf"
SHAPED_LINES = [("प्रसिद्ध नाही", BOLD), ("या ठाण्याची महिला हेल्पलाइन", REGULAR)]


def unshaped_pdf(tmp: Path) -> Path:
    """The failure mode: the same lines through fpdf2 with text shaping off."""
    from fpdf import FPDF

    pdf = FPDF(format=(105, 148))
    pdf.add_page()
    pdf.add_font("deva", "", REGULAR)
    pdf.add_font("deva", "B", BOLD)
    for line, font in SHAPED_LINES:
        pdf.set_font("deva", "B" if font == BOLD else "", 16)
        pdf.cell(0, 12, line, new_x="LMARGIN", new_y="NEXT")
    return write(tmp, "unshaped.pdf", bytes(pdf.output()))


@pytest.mark.parametrize("kind", ["poster", "card"])
def test_devanagari_words_come_back_whole(charkop, kind):
    """Matras and conjuncts read back as written (shaped glyphs carry /ActualText), not as 'महि ला'."""
    words = set(pdf_text(charkop[kind]).split())
    for word in ("महिला", "पुलिस", "पोलीस", "सुरक्षेसाठी", "हेल्पलाइन", "प्रसिद्ध", "क्रमांक", "ठाण्याची"):
        assert word in words, word


@pytest.mark.parametrize("kind", ["poster", "card"])
def test_devanagari_is_shaped_in_the_pdf(charkop, kind):
    """Lines with conjuncts and half forms are as wide as HarfBuzz shapes them, narrower than unshaped."""
    for line, font in SHAPED_LINES:
        measured, shaped, unshaped = (
            em_width_in_pdf(charkop[kind], line, font),
            hb_width(font, line),
            cmap_width(font, line),
        )
        assert unshaped > shaped * 1.04, "the check needs a line that shaping narrows"
        assert abs(measured - shaped) / shaped < 0.01, (line, measured, shaped, unshaped)


def test_unshaped_text_fails_the_pdf_check(tmp_path):
    """The check above rejects the failure mode: unshaped lines are as wide as their cmap glyphs."""
    pdf = unshaped_pdf(tmp_path)
    for line, font in SHAPED_LINES:
        measured = em_width_in_pdf(pdf, line, font)
        assert abs(measured - cmap_width(font, line)) / measured < 0.01
        assert abs(measured - hb_width(font, line)) / measured > 0.04


@pytest.mark.skipif(not features.check("raqm"), reason="Pillow without libraqm: no independent shaped rendering")
@pytest.mark.parametrize("kind", ["poster", "card"])
def test_devanagari_is_shaped_on_the_page(charkop, kind):
    """On the rendered page 'प्रसिद्ध' has the proportions of a shaped rendering (Pillow + libraqm)."""
    measured = ink_ratio_on_page(charkop[kind], "प्रसिद्ध नाही")
    shaped = reference_ink_ratio(BOLD, "प्रसिद्ध", "नाही", ImageFont.Layout.RAQM)
    unshaped = reference_ink_ratio(BOLD, "प्रसिद्ध", "नाही", ImageFont.Layout.BASIC)
    assert unshaped > shaped * 1.2
    assert abs(measured - shaped) / shaped < 0.06, (measured, shaped, unshaped)


@pytest.mark.skipif(not features.check("raqm"), reason="Pillow without libraqm: no independent shaped rendering")
def test_unshaped_text_fails_the_page_check(tmp_path):
    measured = ink_ratio_on_page(unshaped_pdf(tmp_path), "प्रसिद्ध नाही")
    shaped = reference_ink_ratio(BOLD, "प्रसिद्ध", "नाही", ImageFont.Layout.RAQM)
    unshaped = reference_ink_ratio(BOLD, "प्रसिद्ध", "नाही", ImageFont.Layout.BASIC)
    assert abs(measured - unshaped) < abs(measured - shaped), (measured, shaped, unshaped)


# -- sets and the command --------------------------------------------------------------------------------


@pytest.mark.slow
def test_zone_set_has_a_poster_and_a_card_per_active_station(zone11, mumbai):
    """`--zone 11`: one A4 poster and one A6 card per active station of Zone 11, nothing else."""
    expected = zone_stations(mumbai, "zone-11")
    assert len(expected) >= 5 and "charkop" in expected and "madh-marve" not in expected  # sanctioned, not open
    assert sorted(p.name for p in zone11.iterdir()) == sorted(
        f"{sid}-{suffix}.pdf" for sid in expected for suffix in ("poster-a4", "card-a6")
    )


@pytest.mark.slow
def test_zone_set_pages_are_sound_and_link_to_their_station(zone11, mumbai):
    for sid in zone_stations(mumbai, "zone-11"):
        for kind, suffix in (("poster", "poster-a4"), ("card", "card-a6")):
            pdf = zone11 / f"{sid}-{suffix}.pdf"
            image = check_page(pdf, kind)
            codes = decode(image)
            assert f"{BASE}/stations/{sid}" in codes, (pdf.name, codes)
            assert f"https://x.com/{mumbai.x_handle(sid).lstrip('@')}" in codes, (pdf.name, codes)
            text = pdf_text(pdf)
            assert mumbai.units[sid].names["hi"] in text and mumbai.units[sid].names["mr"] in text, pdf.name


def invoke(*args: str):
    return CliRunner().invoke(cli_app, ["poster", *args])


def test_cli_single_poster_and_card(tmp_path):
    result = invoke("charkop", "--out", str(tmp_path / "charkop.pdf"))
    assert result.exit_code == 0, result.output
    data = (tmp_path / "charkop.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert pdf_lines(tmp_path / "charkop.pdf")[0] == pytest.approx(PAGE_PT["poster"], abs=0.5)

    result = invoke("@CharkopPS", "--card", "--out", str(tmp_path))  # by handle, into a directory
    assert result.exit_code == 0, result.output
    assert pdf_lines(tmp_path / "charkop-card-a6.pdf")[0] == pytest.approx(PAGE_PT["card"], abs=0.5)


def tiny_force(tmp: Path) -> Path:
    """A force package with Zone 11 and three of its stations (one only sanctioned)."""
    source = Path(posters.__file__).parents[1] / "packages" / "mumbai"
    target = tmp / "tiny"
    target.mkdir()
    shutil.copy(source / "force.toml", target / "force.toml")
    with open(source / "units.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    keep = {"hq", "region-north", "zone-11", "charkop", "gorai", "madh-marve"}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(r for r in rows if r["id"] in keep)
    (target / "units.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return target


@pytest.mark.slow
def test_cli_all_writes_one_poster_and_card_per_active_station(tmp_path):
    force = tiny_force(tmp_path)
    out = tmp_path / "all"
    out.mkdir()
    result = invoke("--all", "--out", str(out), "--force", str(force), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "charkop-card-a6.pdf",
        "charkop-poster-a4.pdf",
        "gorai-card-a6.pdf",
        "gorai-poster-a4.pdf",
    ]
    assert all(p.read_bytes().startswith(b"%PDF") for p in out.iterdir())
    cards = tmp_path / "cards"
    cards.mkdir()
    result = invoke("--all", "--card", "--out", str(cards), "--force", str(force))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in cards.iterdir()) == ["charkop-card-a6.pdf", "gorai-card-a6.pdf"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["atlantis", "--out", "x.pdf"], "no police station 'atlantis'"),
        (["Charkp", "--out", "x.pdf"], "Did you mean: charkop"),
        (["zone-11", "--out", "x.pdf"], "is a zone (Zone 11), not a police station"),
        (["--zone", "99", "--out", "."], "no zone '99'"),
        (["--zone", "11"], "give --out DIR"),
        (["charkop", "--out", "no/such/dir/x.pdf"], "does not exist"),
        (["--zone", "11", "--out", "no/such/dir"], "does not exist"),
        ([], "give one STATION, or --zone ZONE, or --all"),
        (["charkop", "--all", "--out", "."], "give one STATION, or --zone ZONE, or --all"),
        (["--all", "--card", "--poster", "--out", "."], "give --card or --poster, not both"),
    ],
)
def test_cli_errors_are_clear(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in re.sub(r"\s+", " ", result.output), result.output
    assert not list(tmp_path.iterdir())


# -- the web ---------------------------------------------------------------------------------------------


@pytest.fixture
def client(monkeypatch) -> TestClient:
    monkeypatch.setenv("THANA_BASE_URL", BASE)
    reload_settings()
    return TestClient(create_app(), raise_server_exceptions=False)


@pytest.mark.parametrize(("path", "kind"), [("poster.pdf", "poster"), ("card.pdf", "card")])
def test_web_download(client, tmp_path, path, kind):
    response = client.get(f"/stations/charkop/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    suffix = "poster-a4" if kind == "poster" else "card-a6"
    assert response.headers["content-disposition"] == f'attachment; filename="charkop-{suffix}.pdf"'
    assert response.content.startswith(b"%PDF")
    pdf = write(tmp_path, "download.pdf", response.content)
    assert pdf_lines(pdf)[0] == pytest.approx(PAGE_PT[kind], abs=0.5)
    assert f"{BASE}/stations/charkop" in decode(render(pdf))


@pytest.mark.parametrize(
    "path", ["/stations/atlantis/poster.pdf", "/stations/zone-11/card.pdf", "/stations/hq/poster.pdf"]
)
def test_web_download_404_for_unknown_or_non_station(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_station_page_links_to_its_poster_and_card(client, lang):
    page = client.get(f"/stations/charkop?lang={lang}").text
    assert 'href="/stations/charkop/poster.pdf"' in page
    assert 'href="/stations/charkop/card.pdf"' in page
    words = {"en": ("Download poster (A4)", "Download card (A6)"), "hi": ("पोस्टर डाउनलोड करें", "कार्ड डाउनलोड करें")}
    words["mr"] = ("पोस्टर डाउनलोड करा", "कार्ड डाउनलोड करा")
    for word in words[lang]:
        assert word in page
