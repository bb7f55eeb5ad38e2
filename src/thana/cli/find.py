"""`thana find`: which police station is mine, and how do I reach it?"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from thana.cli.common import ForceOption, JsonOption, console, fail, load_force, print_json
from thana.config import settings
from thana.force.geo import is_position
from thana.force.locate import FindResult, locator_for
from thana.force.model import CHANNEL_LABELS, Force


def register(app: typer.Typer) -> None:
    app.command("find")(find)


def find(
    query: Annotated[
        str | None, typer.Argument(help="a place, address, landmark, pincode, station name or @handle")
    ] = None,
    lat: Annotated[float | None, typer.Option(help="latitude (WGS84)")] = None,
    lon: Annotated[float | None, typer.Option(help="longitude (WGS84)")] = None,
    force: ForceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the police station for a place, an address, a handle or a location."""
    f = load_force(force)
    locator = locator_for(f, settings().nearest_max_km)
    if (lat is None) != (lon is None):
        fail("give both --lat and --lon")
    if lat is not None and lon is not None:
        if query:
            fail("give a QUERY or --lat/--lon, not both")
        if not is_position(lat, lon):
            fail("--lat must be within -90..90 and --lon within -180..180")
        result = locator.at(lat, lon)
    elif query is not None and query.strip():
        if len(query) > 2000:
            fail("the query is longer than 2,000 characters")
        result = locator.text(query)
    else:
        fail('give a QUERY (e.g. "Charkop", "400067", "@charkopps") or --lat and --lon')
    if as_json:
        print_json(result.as_json(f))
    else:
        print_text(f, result)


def print_text(f: Force, result: FindResult) -> None:
    if result.station_id is None:
        if result.place is not None:
            console.print(f"Found the place [bold]{escape(result.place.name)}[/], but it lies outside {f.name}'s area.")
        elif isinstance(result.query, dict):
            reach = locator_for(f, settings().nearest_max_km).index.nearest_max_km
            console.print(f"That location is outside {f.name}'s area (no station within {reach:g} km).")
        else:
            console.print("No place, station or handle of this force was recognised in that text.")
        _print_emergency(f)
        return
    unit = f.units[result.station_id]
    h = f.hierarchy_names(unit.id)
    where = " · ".join(x for x in (h["division"], h["zone"], h["region"]) if x)
    console.print(f"[bold]{unit.name} Police Station[/]  ({where})")
    console.print(f"  {escape(_how(result))}")
    if result.approximate:
        console.print("  [yellow]Jurisdiction boundaries are approximate:[/] confirm with the station.")
    for ch in f.channels_of(unit.id):
        label = CHANNEL_LABELS.get(ch.channel, ch.channel)
        console.print(f"  {label + ':':<18} {ch.address}{_link(ch.channel, ch.address)}")
    for kind, address in f.channel_summary(unit.id).items():
        if address is None:
            console.print(f"  {CHANNEL_LABELS.get(kind, kind) + ':':<18} [italic]not published[/]")
    _print_emergency(f)


def _how(result: FindResult) -> str:
    m = result.match
    if result.resolved_by == "handle":
        return f"found by its X handle {m.text}"
    if result.resolved_by == "station_name":
        return f'found by the station\'s name "{m.text}"'
    if result.resolved_by == "place":
        p = result.place
        spelled = f' (you wrote "{m.text}")' if m and m.text.lower() != p.name.lower() else ""
        return f"found by the place {p.name} [{p.kind.replace('_', ' ')}]{spelled}"
    if result.resolved_by == "coordinates":
        return "the location lies in this station's jurisdiction"
    if result.resolved_by == "nearest":
        return f"the location is just outside every jurisdiction; this one is {result.distance_km:.2f} km away"
    return ""


def _link(channel: str, address: str) -> str:
    if channel == "x":
        return f"  https://x.com/{address.lstrip('@')}"
    return ""


def _print_emergency(f: Force) -> None:
    if f.emergency_numbers:
        console.print("  Emergency: " + " · ".join(f"{e.number} {e.label}" for e in f.emergency_numbers))
