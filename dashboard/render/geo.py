"""Map outlines shipped under ``sample_data/geo/`` (no tile server, no network).

Features are keyed on the store's territory codes (``01``… for départements,
``CME0726``… for CME territories, ``R84``… for regions), so a figure passes its
frame's ``territory`` column as Plotly ``locations`` with ``featureidkey="id"``.
A CME territory is drawn as the union of the outlines of the départements it
covers (one MultiPolygon), read from the store's ``cme_perimeter`` table.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

GEO_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "geo"
DEPARTEMENTS_FILE = "departements-rhone-alpes.geojson"
REGIONS_FILE = "regions-metropole.geojson"
GEO_CREDIT = "Fonds de carte : IGN – INSEE, Admin Express COG 2018 (Licence Ouverte / Etalab)"


@lru_cache(maxsize=4)
def _load(name: str) -> dict:
    return json.loads((GEO_DIR / name).read_text(encoding="utf-8"))


def _polygons(geometry: dict) -> list:
    """The polygons of a Polygon or MultiPolygon geometry, as MultiPolygon coordinates."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def departement_features() -> dict:
    """The Rhône-Alpes départements, id = département code."""
    return _collection([{**f, "id": f["properties"]["code"]} for f in _load(DEPARTEMENTS_FILE)["features"]])


def cme_features(perimeters: pd.DataFrame, names: dict[str, str] | None = None) -> dict:
    """One feature per CME territory: the union of its départements' outlines, id = CME code."""
    by_dept = {f["properties"]["code"]: f["geometry"] for f in _load(DEPARTEMENTS_FILE)["features"]}
    current = perimeters[perimeters["valid_to"].isna()] if "valid_to" in perimeters else perimeters
    features = []
    for cme, deps in current.groupby("cme_code")["departement_code"]:
        polygons = [p for d in sorted(deps) if d in by_dept for p in _polygons(by_dept[d])]
        if polygons:
            features.append({"type": "Feature", "id": cme,
                             "properties": {"code": cme, "nom": (names or {}).get(cme, cme)},
                             "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    return _collection(features)


def region_features(territories: pd.DataFrame) -> dict:
    """The 13 metropolitan regions, id = the store's region code (``R84``…) matched on ``geo_code``."""
    regions = territories[territories["level"] == "region"]
    by_geo = {str(g): c for g, c in zip(regions["geo_code"], regions["code"]) if g is not None}
    return _collection([{**f, "id": by_geo[f["properties"]["code"]]}
                        for f in _load(REGIONS_FILE)["features"] if f["properties"]["code"] in by_geo])


def features_for(level: str, perimeters: pd.DataFrame, names: dict[str, str] | None = None) -> dict:
    if level == "departement":
        return departement_features()
    if level == "cme":
        return cme_features(perimeters, names)
    raise ValueError(f"no outlines for level {level!r}")


def _empty_topojson_url() -> str:
    """A ``data:`` URL of an empty world topology, for Plotly's ``topojsonURL``.

    Plotly.js fetches ``topojsonURL + "world_110m.json"`` for every geo subplot, even
    with the base map hidden; the default points at a CDN, which this product must not
    reach. The URL ends with ``#`` so that the appended file name becomes a fragment,
    which fetching a ``data:`` URL ignores. Works the same in the browser, in kaleido
    and in an offline HTML report.
    """
    from urllib.parse import quote

    layers = ("land", "ocean", "lakes", "rivers", "coastlines", "countries", "subunits")
    topology = {"type": "Topology", "arcs": [],
                "objects": {name: {"type": "GeometryCollection", "geometries": []} for name in layers}}
    return "data:application/json," + quote(json.dumps(topology, separators=(",", ":"))) + "#"


TOPOJSON_URL = _empty_topojson_url()
