"""`thana poster`: the women's-safety poster (A4) and card (A6) of a station, a zone or the whole force.

    thana poster charkop --out charkop.pdf            one A4 poster
    thana poster charkop --card --out charkop.pdf     one A6 card
    thana poster --zone 11 --out posters/             a poster and a card per active station of Zone 11
    thana poster --all --out posters/                 the same for every active station

Sets write one PDF per station per format (`<station id>-poster-a4.pdf`, `<station id>-card-a6.pdf`);
`--card` or `--poster` keeps one format. Links on the posters point at THANA_BASE_URL.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated

import typer
from rapidfuzz import process
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from thana.cli.common import ForceOption, console, fail, load_force
from thana.config import settings
from thana.force.model import Force, Unit, natural_key, normalise_handle
from thana.outreach import posters


def register(app: typer.Typer) -> None:
    app.command("poster")(poster)


def poster(
    station: Annotated[
        str | None, typer.Argument(help="the station: its id, name or X handle (e.g. charkop, Charkop, @charkopps)")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="the PDF to write (one station), or the directory to write into (--zone, --all)"),
    ] = None,
    card: Annotated[bool, typer.Option("--card", help="the A6 card (sets: cards only)")] = False,
    poster_only: Annotated[bool, typer.Option("--poster", help="sets: the A4 posters only")] = False,
    zone: Annotated[
        str | None, typer.Option("--zone", help="every active station of a zone (e.g. 11, zone-11)")
    ] = None,
    all_stations: Annotated[bool, typer.Option("--all", help="every active station of the force")] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="sets: PDFs built in parallel")] = min(
        4, os.cpu_count() or 1
    ),
    force: ForceOption = None,
) -> None:
    """Make a station's women's-safety poster (A4) or card (A6), or a whole set of them."""
    if (station is not None) + (zone is not None) + all_stations != 1:
        fail("give one STATION, or --zone ZONE, or --all")
    if card and poster_only:
        fail("give --card or --poster, not both")
    f = load_force(force)
    base_url = settings().base_url
    if station is not None:
        unit = find_station(f, station)
        kind = "card" if card else "poster"
        target = out if out is not None else Path(posters.file_name(unit.id, kind))
        if target.is_dir():
            target = target / posters.file_name(unit.id, kind)
        if not target.parent.is_dir():
            fail(f"the directory {target.parent} does not exist: create it first")
        target.write_bytes(posters.BUILDERS[kind](f, unit.id, base_url))
        console.print(f"Wrote the {'A6 card' if card else 'A4 poster'} of {unit.name} to {target}")
        return

    if out is None:
        fail("give --out DIR: the directory to write the set into")
    if not out.is_dir():
        fail(
            f"the directory {out} does not exist: create it first" if not out.exists() else f"{out} is not a directory"
        )
    if zone is not None:
        unit = find_zone(f, zone)
        stations = posters.station_set(f, unit.id)
        what = unit.name
    else:
        stations = posters.station_set(f)
        what = f.name
    if not stations:
        fail(f"{what} has no active police station")
    kinds = ["card"] if card else ["poster"] if poster_only else list(posters.FORMATS)
    work = [(unit.id, kind) for unit in stations for kind in kinds]
    _build(f, force, work, out, base_url, jobs)
    console.print(f"Wrote {len(work)} PDF(s) for {len(stations)} station(s) of {what} to {out}")


def _build(f: Force, force_ref: str | None, work: list[tuple[str, str]], out: Path, base_url: str, jobs: int) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("posters and cards", total=len(work))
        if jobs <= 1 or len(work) <= 2:
            stations = [f.units[sid] for sid in dict.fromkeys(sid for sid, _ in work)]
            kinds = {kind for _, kind in work}
            for name, data in posters.build_set(f, stations, base_url, kinds):
                (out / name).write_bytes(data)
                progress.update(task, description=name)
                progress.advance(task)
            return
        # Each worker loads the force itself (by its directory) and builds whole PDFs: fonts and shaping are
        # the slow part, and they parallelise.
        ref = f.source_dir or force_ref
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_build_one, ref, sid, kind, base_url) for sid, kind in work]
            for future in as_completed(futures):
                name, data = future.result()
                (out / name).write_bytes(data)
                progress.update(task, description=name)
                progress.advance(task)


def _build_one(force_ref: str | None, station_id: str, kind: str, base_url: str) -> tuple[str, bytes]:
    from thana.packages import get_force

    return posters.file_name(station_id, kind), posters.BUILDERS[kind](get_force(force_ref), station_id, base_url)


def find_station(f: Force, text: str) -> Unit:
    """A station by id, name, alias or X handle; a clear error otherwise."""
    wanted = text.strip()
    key = wanted.casefold()
    unit = f.units.get(wanted) or f.units.get(key)
    if unit is None and wanted.startswith("@"):
        uid = f.units_by_handle.get(normalise_handle(wanted))
        unit = f.units.get(uid) if uid else None
    if unit is None:
        unit = next(
            (u for u in f.units.values() if key in {n.casefold() for n in (u.name, *u.names.values(), *u.aliases)}),
            None,
        )
    if unit is None:
        names = {u.name: u.id for u in f.stations(include_inactive=True)}
        close = [names[m[0]] for m in process.extract(wanted, list(names), limit=3, score_cutoff=70)]
        hint = f" Did you mean: {', '.join(close)}?" if close else " `thana force show` lists the stations."
        fail(f"no police station {wanted!r} in {f.name}.{hint}")
    if not unit.is_station:
        hint = " Use --zone." if unit.kind == "zone" else ""
        fail(f"{unit.id!r} is a {unit.kind.replace('_', ' ')} ({unit.name}), not a police station.{hint}")
    return unit


def find_zone(f: Force, text: str) -> Unit:
    """A zone by id ('zone-11'), name ('Zone 11'), alias or number ('11'); a clear error otherwise."""
    key = text.strip().casefold()
    zones = f.units_of_kind("zone")
    if re.fullmatch(r"\d+", key):
        key = f"zone-{key}"
    for unit in zones:
        if key in {unit.id.casefold(), *(n.casefold() for n in (unit.name, *unit.names.values(), *unit.aliases))}:
            return unit
    listed = ", ".join(u.id for u in sorted(zones, key=lambda u: natural_key(u.id)))
    fail(f"no zone {text!r} in {f.name}: the zones are {listed}")
