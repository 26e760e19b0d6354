"""Runtime settings, read from the environment (and a `.env` file if present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "maintien.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of the store. Default: a SQLite file under data/.",
    )
    small_cell_threshold: int = Field(
        default=5, ge=1, validation_alias="MAINTIEN_SMALL_CELL_THRESHOLD",
        description="Cells of case-level breakdowns counting fewer persons are hidden.",
    )
    sample_scale: int = Field(default=1, ge=1, validation_alias="MAINTIEN_SAMPLE_SCALE")
    auto_sample: bool = Field(
        default=True, validation_alias="MAINTIEN_AUTO_SAMPLE",
        description="Fill an empty default SQLite store with the sample data on first start.",
    )

    browser_path: str = Field(
        default="/usr/bin/chromium", validation_alias="BROWSER_PATH",
        description="Chromium used for static charts (kaleido) and PDF bilans; PDF export is disabled without it.",
    )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_default_store(self) -> bool:
        return self.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
