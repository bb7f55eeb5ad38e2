"""Build the bundled Mumbai outline (src/thana/packages/mumbai/outline.geojson).

The outline of Greater Mumbai — the coastline and the city limits with Thane and
Mira-Bhayandar — is the union of the municipal wards in ../shared/data/mumbai/BMC_Wards.geojson
(DataMeet, CC BY-SA 2.5 India), with slivers between wards closed, specks dropped, and simplified to
a few hundred vertices. Run once by a maintainer when the ward data changes; the product ships the
result and never reads ../shared.

    python tools/build_mumbai_outline.py [--wards PATH] [--tolerance DEG]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import shapely
from shapely.geometry import Polygon, mapping, shape

ROOT = Path(__file__).resolve().parents[1]
WARDS = ROOT.parent / "shared" / "data" / "mumbai" / "BMC_Wards.geojson"
OUT = ROOT / "src" / "thana" / "packages" / "mumbai" / "outline.geojson"


def build(wards_path: Path, tolerance: float) -> tuple[shapely.Geometry, int]:
    data = json.loads(wards_path.read_text(encoding="utf-8"))
    wards = [shapely.make_valid(shape(f["geometry"])) for f in data["features"]]
    union = shapely.union_all(wards)
    # Close the slivers between neighbouring wards and drop specks smaller than a hectare or so.
    parts = [Polygon(p.exterior) for p in getattr(union, "geoms", [union]) if p.area > 1e-6]
    outline = shapely.union_all(parts).simplify(tolerance, preserve_topology=True)
    outline = shapely.set_precision(outline, 1e-6)
    return outline, len(shapely.get_coordinates(outline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=Path, default=WARDS)
    parser.add_argument("--tolerance", type=float, default=0.0005, help="simplification, degrees (0.0005 ≈ 55 m)")
    args = parser.parse_args()
    outline, vertices = build(args.wards, args.tolerance)
    feature = {
        "type": "Feature",
        "properties": {
            "name": "Greater Mumbai (Brihanmumbai Municipal Corporation limits)",
            "source": "union of the 24 BMC wards, DataMeet Municipal_Spatial_Data Mumbai/BMC_Wards.geojson "
            "(commit 9b4d1c2), slivers closed, simplified to "
            f"{args.tolerance} degrees ({vertices} vertices) by tools/build_mumbai_outline.py",
            "licence": "CC BY-SA 2.5 India, © DataMeet Trust; this derived outline is shared alike",
        },
        "geometry": mapping(outline),
    }
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({vertices} vertices, {outline.geom_type})")


if __name__ == "__main__":
    main()
