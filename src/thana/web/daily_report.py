"""The daily report of a zone (or any unit) as a PDF, for the morning review: made with fpdf2.

Core PDF fonts (Helvetica): Latin text only, so station names are the English ones and text in other
scripts is left out with a pointer to the case page.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from zoneinfo import ZoneInfo

from fpdf import FPDF, FontFace

from thana.cases.access import Principal
from thana.force.model import Force, Unit
from thana.store import oversight as figures
from thana.store.db import Database
from thana.web import charts

BRAND = (11, 61, 145)
SOFT = (243, 245, 248)
ALERT = (164, 22, 26)


def latin(text: str | None, limit: int | None = None) -> str:
    """Text the core fonts can draw: accents folded, other scripts dropped (said so when most of it was)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2026", "...")
    kept = "".join(ch for ch in text if ord(ch) < 256)
    if text and len(kept.strip()) < 0.5 * len(text.strip()):
        kept = "(not in Latin script: see the case page)"
    kept = " ".join(kept.split())
    if limit and len(kept) > limit:
        kept = kept[: limit - 3].rstrip() + "..."
    return kept


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} d"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


class _Report(FPDF):
    title_line = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 8, latin(f"{self.title_line} - page {self.page_no()}/{{nb}}"), align="C")


def daily_report_pdf(db: Database, force: Force, who: Principal, unit: Unit, day: date) -> bytes:
    data = figures.daily(db, force, who, unit, day)
    tz = ZoneInfo(force.timezone)
    since, until = data["since"].astimezone(tz), data["until"].astimezone(tz)
    region = force.ancestor_of_kind(unit.id, "region") if unit.kind != "region" else None

    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.title_line = f"{force.name} - daily report - {unit.name} - {day.isoformat()}"
    pdf.set_title(latin(pdf.title_line))
    pdf.set_author("Thana")
    pdf.set_creator("Thana (fpdf2)")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.alias_nb_pages()
    pdf.add_page()

    # header
    pdf.set_fill_color(*BRAND)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 11, latin(f"{unit.name} - daily report"), fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", size=10)
    place = ", ".join(x for x in (region.name if region else "", force.name) if x)
    pdf.ln(2)
    pdf.cell(0, 6, latin(f"{place}. Date: {day.strftime('%A %d %B %Y')}"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        5.5,
        latin(
            f"Cases received in the 24 hours from {since:%d %b %Y %H:%M} to {until:%d %b %Y %H:%M} "
            f"({force.timezone}). Open and overdue: every open case, as at {data['now'].astimezone(tz):%d %b %Y %H:%M}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    total = data["total"]
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(
        0,
        6,
        latin(
            f"New {total['received']}  |  P1 {total['p1']}  |  Open {total['open']}  |  Overdue {total['overdue']}  |  "
            f"Acknowledged in time {_pct(total['ack_in_time_pct'])}  |  "
            f"Median first response {_minutes(total['median_first_response_min'])}  |  "
            f"Escalations {total['escalations']}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    # per station
    _heading(pdf, "By station")
    headings = ("Station", "New", "P1", "Open", "Overdue", "Ack in time", "Median 1st response", "Escalations")
    rows = [
        [
            latin(r["name"], 40),
            str(r["received"]),
            str(r["p1"]),
            str(r["open"]),
            str(r["overdue"]),
            _pct(r["ack_in_time_pct"]),
            _minutes(r["median_first_response_min"]),
            str(r["escalations"]),
        ]
        for r in data["rows"]
    ]
    rows.append(
        [
            "Total",
            str(total["received"]),
            str(total["p1"]),
            str(total["open"]),
            str(total["overdue"]),
            _pct(total["ack_in_time_pct"]),
            _minutes(total["median_first_response_min"]),
            str(total["escalations"]),
        ]
    )
    pdf.set_font("Helvetica", size=9)
    pdf.set_fill_color(*SOFT)
    with pdf.table(
        col_widths=(46, 14, 12, 14, 18, 22, 30, 22),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BRAND),
        cell_fill_color=SOFT,
        cell_fill_mode="ROWS",
        line_height=5.5,
        padding=(0.8, 1.5),
    ) as table:
        table.row(headings)
        for i, values in enumerate(rows):
            style = FontFace(emphasis="BOLD") if i == len(rows) - 1 else None
            row = table.row(style=style)
            for j, value in enumerate(values):
                red = j == 4 and value not in ("0", "-") and i < len(rows) - 1
                row.cell(value, style=FontFace(color=ALERT, emphasis="BOLD") if red else None)
    pdf.ln(4)

    # the P1 cases of the day
    _heading(pdf, f"P1 cases ({len(data['p1_cases'])})")
    pdf.set_font("Helvetica", size=8.5)
    pdf.set_fill_color(*SOFT)
    if not data["p1_cases"]:
        pdf.cell(0, 6, "No P1 case in these 24 hours.", new_x="LMARGIN", new_y="NEXT")
    else:
        with pdf.table(
            col_widths=(27, 18, 27, 25, 21, 30, 50),
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BRAND),
            cell_fill_color=SOFT,
            cell_fill_mode="ROWS",
            line_height=4.6,
            padding=(0.8, 1.2),
        ) as table:
            table.row(("Reference", "Received", "Station", "Category", "Status", "Acknowledged", "Message"))
            for c in data["p1_cases"]:
                received = _local(c["received_at"], tz)
                ack = "not yet" if not c["acknowledged_at"] else _local(c["acknowledged_at"], tz)
                if c["acknowledged_at"]:
                    ack += " (in time)" if c["ack_in_time"] else " (late)"
                table.row(
                    (
                        c["reference"],
                        received,
                        latin(c["station"]["name"] if c["station"] else "HQ queue", 30),
                        c["category"].replace("_", " "),
                        c["status"].replace("_", " "),
                        ack,
                        latin(c["summary"], 110),
                    )
                )
    pdf.ln(4)

    # the volume chart
    _heading(pdf, f"Cases received per day, last {len(data['trend'])} days")
    png = charts.volume_png(data["trend"], "cases")
    if pdf.get_y() + 80 > pdf.h - 16:
        pdf.add_page()
    pdf.image(io.BytesIO(png), w=pdf.epw)
    out = pdf.output()
    return bytes(out)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.set_text_color(*BRAND)
    pdf.cell(0, 8, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _local(iso: str, tz: ZoneInfo) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone(tz).strftime("%d %b %H:%M")
