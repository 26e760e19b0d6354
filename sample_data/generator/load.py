"""Writes the sample into a migrated store."""

from __future__ import annotations

from data_access.models import tables_in_dependency_order

from .build import build_sample_frames
from .common import SAMPLE_SEED


def load_sample(engine, scale: int = 1, seed: int = SAMPLE_SEED) -> dict[str, int]:
    """Insert the sample into a migrated store holding only its reference data, in one transaction.

    The migrations have loaded the reference rows (territories, institutions, instances…): the
    sample adds the rows it has beyond them (its working groups) and all its fictitious activity.
    Tables are written parents first (``tables_in_dependency_order()``: every foreign key points to an
    earlier table). Returns the rows inserted per table.
    """
    from sqlalchemy import select

    from data_access.db import (
        bulk_insert,
        bump_data_version,
        reset_sequences,
        set_meta,
        store_is_empty,
        write_transaction,
    )

    if not store_is_empty(engine):
        raise RuntimeError("Le stockage contient déjà des données ou des comptes : les données fictives ne peuvent "
                           "être chargées que dans un stockage qui ne contient que ses données de référence.")
    frames = build_sample_frames(scale=scale, seed=seed)
    counts: dict[str, int] = {}
    with write_transaction(engine) as conn:
        for tbl in tables_in_dependency_order():
            if tbl.name == "store_meta":
                continue
            frame = frames[tbl.name]
            pk = [c.name for c in tbl.primary_key.columns]
            stored = {tuple(r) for r in conn.execute(select(*(tbl.c[c] for c in pk)))} if not frame.empty else set()
            if stored:  # reference rows already loaded by the migrations
                keep = [tuple(k) not in stored for k in frame[pk].itertuples(index=False)]
                frame = frame[keep]
            counts[tbl.name] = bulk_insert(conn, tbl.name, frame)
        reset_sequences(conn)
        set_meta(conn, "sample", "1")
        set_meta(conn, "sample_scale", str(int(scale)))
        set_meta(conn, "sample_seed", str(int(seed)))
        bump_data_version(conn)
    return counts
