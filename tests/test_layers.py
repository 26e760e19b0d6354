"""The layers of docs/architecture.md, checked on the imports of every module (read with ast).

store (data_access) → domain (dashboard.core) → rendering (dashboard.render) and documents
(dashboard.reports) → Streamlit views (dashboard.views) → page scripts (app_pages/, app.py); the
application services (dashboard.services: opening the store, importing) serve the views and the
command line (dashboard.cli).
A module may import its own layer and the layers before it, never a later one; only the views and
the page scripts import Streamlit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each package may import among the first-party packages (besides itself).
ALLOWED = {
    "data_access": set(),
    "dashboard.core": {"data_access"},
    "dashboard.render": {"data_access", "dashboard.core"},
    "dashboard.reports": {"data_access", "dashboard.core", "dashboard.render"},
    "dashboard.services": {"data_access", "dashboard.core", "sample_data"},
    "dashboard.views": {"data_access", "dashboard.core", "dashboard.render", "dashboard.reports", "dashboard.services"},
    "dashboard.cli": {"data_access", "dashboard.core", "dashboard.render", "dashboard.reports", "dashboard.services",
                      "dashboard.tools", "sample_data"},
    "dashboard.tools": {"data_access", "dashboard.core", "dashboard.render", "dashboard.reports", "dashboard.services",
                        "sample_data"},
    "sample_data": {"data_access", "dashboard.core"},
}
FIRST_PARTY = ("data_access", "dashboard", "sample_data")
# Two tools outside the app use Streamlit's own parts: the benchmark times the pages through Streamlit's
# test harness (streamlit.testing), and the load test's simulated users build and read the protocol's
# messages (streamlit.proto, the front end's protobuf classes; no Streamlit runtime). The only imports of
# Streamlit allowed outside the views.
STREAMLIT_ALLOWED = {
    "dashboard/tools/bench.py": {"streamlit", "streamlit.testing.v1", "streamlit.testing.v1.AppTest"},
    "dashboard/tools/wsload.py": {"streamlit.proto.BackMsg_pb2", "streamlit.proto.BackMsg_pb2.BackMsg",
                                  "streamlit.proto.ForwardMsg_pb2", "streamlit.proto.ForwardMsg_pb2.ForwardMsg",
                                  "streamlit.proto.WidgetStates_pb2", "streamlit.proto.WidgetStates_pb2.WidgetState"},
}


def package_of(path: Path) -> str | None:
    rel = path.relative_to(ROOT).parts
    if rel[0] == "dashboard" and len(rel) > 2:
        return f"dashboard.{rel[1]}"
    if rel[0] in ("data_access", "sample_data"):
        return rel[0]
    return None


def imports(path: Path) -> set[str]:
    """Every module name imported by the file, at any depth (lazy imports inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def python_files():
    for top in ("dashboard", "data_access", "sample_data", "app_pages"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    yield ROOT / "app.py"


def owner(name: str) -> str | None:
    """The layer a first-party module name belongs to (`dashboard.core.filters` -> `dashboard.core`)."""
    parts = name.split(".")
    if parts[0] not in FIRST_PARTY:
        return None
    if parts[0] == "dashboard":
        return ".".join(parts[:2]) if len(parts) > 1 else "dashboard"
    return parts[0]


def test_the_files_are_where_the_layers_say():
    flat = sorted(p.name for p in (ROOT / "dashboard").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py"], f"modules outside a role subpackage of dashboard/: {flat}"
    assert not (ROOT / "pages").exists(), "a pages/ folder beside app.py turns on Streamlit's legacy multipage mode"


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_views_and_the_page_scripts_import_streamlit(path):
    rel = str(path.relative_to(ROOT))
    if rel.startswith(("dashboard/views/", "app_pages/")) or rel == "app.py":
        return
    streamlit = {n for n in imports(path) if n.split(".")[0] == "streamlit"}
    unexpected = streamlit - STREAMLIT_ALLOWED.get(rel, set())
    assert not unexpected, f"{rel} imports {sorted(unexpected)}: Streamlit belongs to dashboard/views/"


@pytest.mark.parametrize("path", [p for p in python_files() if package_of(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_layer_imports_only_the_layers_before_it(path):
    layer = package_of(path)
    wrong = sorted({n for n in imports(path) if (o := owner(n)) and o != layer and o not in ALLOWED[layer]})
    assert not wrong, f"{path.relative_to(ROOT)} ({layer}) imports {wrong}; allowed: {sorted(ALLOWED[layer])}"


@pytest.mark.parametrize("path", sorted((ROOT / "app_pages").glob("*.py")), ids=lambda p: p.name)
def test_page_scripts_stay_thin(path):
    """A page script calls one view: no domain, rendering or store code of its own."""
    wrong = sorted(n for n in imports(path) if owner(n) not in (None, "dashboard.views"))
    assert not wrong, f"app_pages/{path.name} imports {wrong}: put that code in dashboard/views/"


def test_the_checker_sees_a_violation(tmp_path):
    """The checks above would fail on an offending module (guards against a checker that sees nothing)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\ndef f():\n    from dashboard.views import ui\n", encoding="utf-8")
    assert {"streamlit", "dashboard.views", "dashboard.views.ui"} <= imports(bad)
    assert owner("dashboard.views.ui") == "dashboard.views" and owner("pandas") is None


# The data layer's write entry points; the app reaches them only through dashboard.services.importing.
WRITES = {("imports", "check"), ("imports", "confirm"), ("records", "save_record"), ("records", "save_rows"),
          ("records", "delete_record"), ("intake", "apply"), ("intake", "validate_file")}


def direct_writes(path: Path) -> list[str]:
    """Calls like ``imports.check(...)`` or ``records.save_rows(...)`` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in WRITES:
            found.append(f"{node.func.value.id}.{node.func.attr} (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and node.module in ("data_access.imports", "data_access.records") \
                and {a.name for a in node.names} & {name for _, name in WRITES}:
            found.append(f"from {node.module} import … (line {node.lineno})")
    return found


@pytest.mark.parametrize("path", sorted([*(ROOT / "dashboard" / "views").glob("*.py"),
                                         *(ROOT / "dashboard" / "cli").glob("*.py"), *(ROOT / "app_pages").glob("*.py")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_cli_the_import_page_and_the_forms_write_through_the_one_import_service(path):
    assert not direct_writes(path), (f"{path.relative_to(ROOT)} calls the data layer's writes directly: "
                                     f"{direct_writes(path)}; call dashboard.services.importing instead")


def test_the_write_checker_sees_a_direct_write(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from data_access import records\nrecords.save_rows(e, 'x', [], u)\n", encoding="utf-8")
    assert direct_writes(bad) == ["records.save_rows (line 2)"]
