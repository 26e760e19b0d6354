"""Rebuild the outlines shipped here from the shared France-wide files (run once, by hand).

    python sample_data/geo/make_geo.py ../shared/geo

Keeps the 8 départements of Rhône-Alpes and the 13 metropolitan regions, coordinates
rounded to 4 decimals (about 10 m, far below what a regional map shows).
"""

import json
import sys
from pathlib import Path

RHONE_ALPES = ("01", "07", "26", "38", "42", "69", "73", "74")


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(c, 4) for c in coords]
    return [_round(c) for c in coords]


def _subset(src: Path, dest: Path, keep=None) -> None:
    data = json.loads(src.read_text(encoding="utf-8"))
    features = [
        {"type": "Feature", "properties": f["properties"],
         "geometry": {"type": f["geometry"]["type"], "coordinates": _round(f["geometry"]["coordinates"])}}
        for f in data["features"] if keep is None or f["properties"]["code"] in keep
    ]
    dest.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                               separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    shared, here = Path(sys.argv[1]), Path(__file__).parent
    _subset(shared / "departements-metropole.geojson", here / "departements-rhone-alpes.geojson", RHONE_ALPES)
    _subset(shared / "regions-metropole.geojson", here / "regions-metropole.geojson")
