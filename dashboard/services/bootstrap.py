"""Open the store the app and the CLI work on: upgrade its schema, fill it with the
sample data on first run of the embedded default store."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from data_access.db import get_engine, store_is_empty, upgrade_schema
from data_access.settings import get_settings

log = logging.getLogger(__name__)


def open_store(url: str | None = None, *, auto_sample: bool | None = None) -> Engine:
    """Engine on an up-to-date schema.

    The embedded default SQLite store is created and filled with the sample data
    ("données fictives") when it is empty, unless ``MAINTIEN_AUTO_SAMPLE=0``. A
    store given through ``DATABASE_URL`` is never filled automatically.
    """
    settings = get_settings()
    engine = get_engine(url)
    upgrade_schema(engine)
    if auto_sample is None:
        auto_sample = settings.auto_sample and url is None and settings.is_default_store
    if auto_sample and store_is_empty(engine):
        from dashboard.core.warm import warm_aggregates
        from sample_data.generator import load_sample

        log.info("Empty default store: loading the sample data (scale %s)", settings.sample_scale)
        load_sample(engine, scale=settings.sample_scale)
        warm_aggregates(engine)
    return engine
