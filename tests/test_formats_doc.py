"""docs/formats.md and sample_data/examples/ are generated from the dataset declarations: they must be
current, and every example file must import into the sample store without a problem or a change."""

import pytest

from dashboard.reports import formats_doc
from dashboard.services.importing import context_kwargs
from data_access import intake
from data_access.datasets import DATASETS


def test_the_formats_doc_is_current():
    text = formats_doc.DOC.read_text(encoding="utf-8")
    assert formats_doc.updated_doc(text) == text, "run: python -m dashboard formats --write"
    for name, ds in DATASETS.items():
        assert f"`{name}`" in text
        for f in ds.fields:
            assert f"| {f.header} |" in text


def test_the_example_files_are_current(sample_engine):
    for name, data in formats_doc.example_files(sample_engine).items():
        path = formats_doc.EXAMPLES / name
        assert path.exists(), f"{name} missing: run python -m dashboard formats --write"
        if name.endswith(".csv"):
            assert path.read_bytes() == data, f"{name} is stale: run python -m dashboard formats --write"
        else:
            assert formats_doc._same_xlsx(path.read_bytes(), data), f"{name} is stale"


@pytest.mark.parametrize("name", sorted(p.name for p in formats_doc.EXAMPLES.glob("*.*")))
def test_every_example_file_is_recognised_valid_and_matches_the_sample(sample_engine, name):
    v = intake.validate_file(sample_engine, formats_doc.EXAMPLES / name, None, **context_kwargs())
    assert v.problems == [] and v.rows
    assert v.dataset.name == name.rsplit(".", 1)[0]
    with sample_engine.connect() as conn:
        pv = intake.preview(conn, v)
    # the examples hold the sample's own rows (truncated: the rest of their scope would be removed)
    assert not pv.added and not pv.updated and pv.unchanged == len(v.rows)
