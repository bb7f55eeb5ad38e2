"""`thana force …`: list, show, validate and build force packages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from thana.cli.common import ForceOption, JsonOption, console, fail, load_force, print_json
from thana.force.build import BuildError, approximate_jurisdictions, from_geojson, jurisdictions_geojson
from thana.force.model import CHANNEL_LABELS, Force, natural_key
from thana.packages import ForceNotFound, bundled_forces, read_package, resolve_force_path

app = typer.Typer(
    help="Force packages: the police force's hierarchy, channels, jurisdictions and places.", no_args_is_help=True
)


@app.command("list")
def list_forces(as_json: JsonOption = False) -> None:
    """The bundled force packages."""
    rows = []
    for name in bundled_forces():
        force = load_force(name)
        rows.append(
            {
                "name": name,
                "title": force.name,
                "version": force.version,
                "stations": len(force.stations()),
                "places": len(force.places),
                "approximate_jurisdictions": force.jurisdictions_approximate,
            }
        )
    if as_json:
        print_json(rows)
        return
    table = Table("name", "force", "version", "stations", "places", "jurisdictions")
    for r in rows:
        table.add_row(
            r["name"],
            r["title"],
            r["version"],
            str(r["stations"]),
            str(r["places"]),
            "approximate" if r["approximate_jurisdictions"] else "official",
        )
    console.print(table)
    console.print("Use any of these, or a package directory, with --force.")


def unit_json(force: Force, unit_id: str) -> dict:
    unit = force.units[unit_id]
    return {
        "id": unit.id,
        "kind": unit.kind,
        "name": unit.name,
        "names": unit.names,
        "aliases": list(unit.aliases),
        "parent_id": unit.parent_id,
        "status": unit.status,
        **force.hierarchy_names(unit_id),
        "lat": unit.lat,
        "lon": unit.lon,
        "position_approximate": unit.position_approximate,
        "position_source": unit.position_source or None,
        "has_jurisdiction": unit_id in force.jurisdictions,
        "channels": [
            {"channel": c.channel, "address": c.address, "source": c.source} for c in force.channels_of(unit_id)
        ],
        "not_published": [k for k, v in force.channel_summary(unit_id).items() if v is None],
        "source": unit.source or None,
        "notes": unit.notes or None,
    }


def force_json(force: Force) -> dict:
    return {
        "id": force.id,
        "name": force.name,
        "names": force.names,
        "version": force.version,
        "timezone": force.timezone,
        "languages": list(force.languages),
        "jurisdictions": {
            "approximate": force.jurisdictions_approximate,
            "method": force.jurisdictions_method,
            "count": len(force.jurisdictions),
        },
        "emergency_numbers": [
            {"number": e.number, "label": e.label, "labels": e.labels, "source": e.source}
            for e in force.emergency_numbers
        ],
        "service_levels": {
            p: {"acknowledge_minutes": s.acknowledge_minutes, "first_action_minutes": s.first_action_minutes}
            for p, s in sorted(force.service_levels.items())
        },
        "agencies": [
            {
                "id": a.id,
                "name": a.name,
                "categories": list(a.categories),
                "channels": [{"channel": c.channel, "address": c.address, "source": c.source} for c in a.channels],
            }
            for a in force.agencies
        ],
    }


@app.command("show")
def show(
    force: ForceOption = None,
    as_json: JsonOption = False,
    unit: Annotated[str | None, typer.Option(help="show only this unit and what is under it")] = None,
) -> None:
    """The force's units with their hierarchy and channels."""
    f = load_force(force)
    if unit and unit not in f.units:
        fail(f"no unit {unit!r} in {f.id}; `thana force show --json` lists the ids")
    root = unit or f.root.id
    ids = [root, *(u.id for u in f.descendants(root))]
    if as_json:
        print_json({"force": force_json(f), "units": [unit_json(f, uid) for uid in ids]})
        return
    approx = " (approximate jurisdictions)" if f.jurisdictions_approximate else ""
    console.print(f"[bold]{f.name}[/] · {f.id} · version {f.version}{approx}")
    console.print(_tree(f, root))
    numbers = " · ".join(f"{e.number} {e.label}" for e in f.emergency_numbers)
    if numbers:
        console.print(f"\nEmergency: {numbers}")
    for a in f.agencies:
        chans = (
            ", ".join(f"{CHANNEL_LABELS.get(c.channel, c.channel)} {c.address}" for c in a.channels)
            or "no published channel"
        )
        console.print(f"Redirects {'/'.join(a.categories)} to {a.name}: {chans}")


def _label(f: Force, unit_id: str) -> str:
    u = f.units[unit_id]
    parts = [f"[bold]{u.name}[/]" if not u.is_station else u.name, f"[dim]{u.kind} {u.id}[/]"]
    if u.status != "active":
        parts.append(f"[yellow]{u.status}[/]")
    for kind, address in f.channel_summary(unit_id).items():
        label = CHANNEL_LABELS.get(kind, kind)
        parts.append(f"{label} {address}" if address else f"{label} [italic]not published[/]")
    return "  ".join(parts)


def _tree(f: Force, root: str, node: Tree | None = None) -> Tree:
    node = node if node is not None else Tree(_label(f, root))
    kids = sorted(f.children[root], key=lambda k: (f.units[k].is_station, natural_key(f.units[k].name)))
    for kid in kids:
        _tree(f, kid, node.add(_label(f, kid)))
    return node


@app.command("validate")
def validate(
    directory: Annotated[Path, typer.Argument(help="the force package directory")], as_json: JsonOption = False
) -> None:
    """Check a force package; name the file, row and column of every problem."""
    if not directory.is_dir():
        fail(f"{directory} is not a directory")
    result = read_package(directory)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "errors": len(result.errors),
                "warnings": len(result.warnings),
                "problems": [p.as_dict() for p in result.problems],
            }
        )
    else:
        for p in result.problems:
            console.print(str(p), style="red" if p.severity == "error" else "yellow", markup=False)
        f = result.force
        if result.ok and f is not None:
            console.print(
                f"[green]OK[/]: {f.name}: {len(f.units)} units, {len(f.stations())} stations, "
                f"{len(f.jurisdictions)} jurisdictions, {len(f.places)} places, "
                f"{len(result.warnings)} warning(s)"
            )
        else:
            console.print(f"[red]{len(result.errors)} error(s)[/], {len(result.warnings)} warning(s)")
    raise typer.Exit(0 if result.ok else 1)


@app.command("from-geojson")
def cmd_from_geojson(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection, one feature per station")],
    name_field: Annotated[str, typer.Option(help="the property that holds each station's name")],
    id: Annotated[str, typer.Option("--id", help="the new force's id, e.g. pune")],
    name: Annotated[str, typer.Option(help="the new force's name, e.g. 'Pune City Police'")],
    out: Annotated[Path, typer.Option(help="directory to write the package into")],
    zone_field: Annotated[str | None, typer.Option(help="a property grouping stations into zones")] = None,
) -> None:
    """Build a force package from a jurisdiction file, so another city can start from its boundary map."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{file} does not exist")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{file} is not GeoJSON: {exc}")
    try:
        files = from_geojson(
            data, name_field=name_field, force_id=id, force_name=name, source=f"{file.name}", zone_field=zone_field
        )
    except BuildError as exc:
        fail(str(exc))
    if out.exists() and any(out.iterdir()):
        fail(f"{out} exists and is not empty; choose a new directory")
    out.mkdir(parents=True, exist_ok=True)
    for fname, text in files.items():
        (out / fname).write_text(text, encoding="utf-8")
    result = read_package(out)
    console.print(
        f"Wrote {out}: {len(result.force.stations()) if result.force else 0} stations. "
        f"Check it with `thana force validate {out}`; add channels.csv and places.csv to it."
    )
    raise typer.Exit(0 if result.ok else 1)


@app.command("approximate")
def cmd_approximate(
    force: ForceOption = None,
    outline: Annotated[
        Path | None, typer.Option(help="GeoJSON outline (default: the package's outline.geojson)")
    ] = None,
) -> None:
    """Write jurisdictions.geojson as the area nearest each station, clipped to the outline (marked approximate)."""
    try:
        path = resolve_force_path(force or "mumbai")
    except ForceNotFound as exc:
        fail(str(exc))
    result = read_package(path)
    if result.force is None or result.errors:
        fail(f"{path} has errors; run `thana force validate {path}`")
    shape_ = None
    if outline is not None:
        from thana.force.package import _Collector, _parse_outline

        collector = _Collector()
        shape_ = _parse_outline(outline.read_text(encoding="utf-8"), collector)
        if shape_ is None:
            fail(f"{outline}: " + "; ".join(str(p) for p in collector.problems))
    try:
        polygons = approximate_jurisdictions(result.force, shape_)
    except BuildError as exc:
        fail(str(exc))
    (path / "jurisdictions.geojson").write_text(
        jurisdictions_geojson(
            polygons, approximate=True, source="Thana: nearest station, clipped to the outline (approximate)"
        ),
        encoding="utf-8",
    )
    console.print(
        f"Wrote {len(polygons)} approximate jurisdictions to {path / 'jurisdictions.geojson'}. "
        "Set [jurisdictions] approximate = true in force.toml."
    )
