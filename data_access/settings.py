"""Runtime settings and secrets.

Read, first match wins, from: the environment, a `.env` file, then `.streamlit/secrets.toml`
(top-level keys, same names as the environment variables). Neither file is committed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "maintien.sqlite3"
SECRETS_TOML = PROJECT_ROOT / ".streamlit" / "secrets.toml"


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
    referentiel_path: Path | None = Field(
        default=None, validation_alias="MAINTIEN_REFERENTIEL",
        description="Another référentiel YAML than the charter's (dashboard/core/referentiel.yaml), e.g. a copy "
                    "with one more indicator (tests/test_referentiel.py runs tests against one).",
    )
    auto_sample: bool = Field(
        default=True, validation_alias="MAINTIEN_AUTO_SAMPLE",
        description="Fill an empty default SQLite store with the sample data on first start.",
    )

    prewarm: bool = Field(
        default=True, validation_alias="MAINTIEN_PREWARM",
        description="After the server starts and after each import, compute every territory's question pages "
                    "in a background thread of the server, when no page is running (dashboard/views/prewarm.py).",
    )

    deferred_charts: bool = Field(
        default=True, validation_alias="MAINTIEN_DEFERRED_CHARTS",
        description="Charts below a page's first screen are drawn when they come into view "
                    "(dashboard/views/ui.py, plotly_chart); false: every chart at once.",
    )

    browser_path: str = Field(
        default="/usr/bin/chromium", validation_alias="BROWSER_PATH",
        description="Chromium used for static charts (kaleido) and PDF bilans; PDF export is disabled without it.",
    )

    public_read: bool = Field(
        default=True, validation_alias="MAINTIEN_PUBLIC_READ",
        description="Anyone may read the dashboard without signing in (writing always needs an account).",
    )
    import_max_mb: float = Field(
        default=20.0, gt=0, validation_alias="MAINTIEN_IMPORT_MAX_MB",
        description="Largest file accepted by the importers, in megabytes; for an XLSX, also the largest "
                    "uncompressed content (sum of its zip entries) (data_access/tabular.py).",
    )
    import_max_seconds: float = Field(
        default=60.0, gt=0, validation_alias="MAINTIEN_IMPORT_MAX_SECONDS",
        description="Longest time reading one imported file may take, in seconds; beyond, the file is refused "
                    "(data_access/tabular.py, MAX_SECONDS).",
    )
    session_hours: float = Field(
        default=8.0, gt=0, validation_alias="MAINTIEN_SESSION_HOURS",
        description="How long a sign-in lasts in a browser, across reloads and tabs (data_access/sessions.py); "
                    "\"Se déconnecter\" ends it at once, everywhere.",
    )
    login_max_failures: int = Field(
        default=3, ge=1, validation_alias="MAINTIEN_LOGIN_MAX_FAILURES",
        description="Failed sign-ins allowed without delay, per account × client address and per client "
                    "address, within the window; each further attempt waits 2, 4, 8… seconds after the last "
                    "failure (data_access/users.py).",
    )
    login_lock_minutes: int = Field(
        default=15, ge=1, validation_alias="MAINTIEN_LOGIN_LOCK_MINUTES",
        description="Window in which failed sign-ins count, in minutes; also the longest delay.",
    )
    trusted_proxy: bool = Field(
        default=False, validation_alias="MAINTIEN_TRUSTED_PROXY",
        description="The app runs behind one reverse proxy, so every connection comes from the proxy: take "
                    "the client address for sign-in throttling from the last entry of X-Forwarded-For (the one "
                    "the proxy appended). Leave false when clients reach Streamlit directly, since the header "
                    "is then whatever the client sends.",
    )

    smtp_host: str | None = Field(
        default=None, validation_alias="MAINTIEN_SMTP_HOST",
        description="SMTP server of the digest e-mail (python -m dashboard digest --envoyer). Unset: the digest "
                    "can only be written as .eml files (--sortie).",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="MAINTIEN_SMTP_PORT")
    smtp_starttls: bool = Field(
        default=True, validation_alias="MAINTIEN_SMTP_STARTTLS",
        description="Upgrade the connection with STARTTLS before authenticating (refused if the server does not "
                    "offer it).",
    )
    smtp_user: str | None = Field(default=None, validation_alias="MAINTIEN_SMTP_USER")
    smtp_password: str | None = Field(default=None, validation_alias="MAINTIEN_SMTP_PASSWORD")
    smtp_from: str = Field(
        default="tableau-de-bord@example.org", validation_alias="MAINTIEN_SMTP_FROM",
        description="Sender address of the digest.",
    )
    public_url: str = Field(
        default="http://localhost:8501", validation_alias="MAINTIEN_PUBLIC_URL",
        description="Address of the dashboard as its users reach it: the links of the digest e-mail.",
    )

    oidc_provider: str | None = Field(
        default=None, validation_alias="MAINTIEN_OIDC_PROVIDER",
        description="Name of the OpenID Connect provider offered on the sign-in page (e.g. proconnect): the "
                    "section [auth.<name>] of Streamlit's secrets that st.login uses. Unset: local accounts only.",
    )
    oidc_label: str | None = Field(
        default=None, validation_alias="MAINTIEN_OIDC_LABEL",
        description="Name of the provider on the button \"Se connecter avec …\" (default: the provider name "
                    "with a capital, e.g. ProConnect).",
    )

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=SECRETS_TOML)
        return init_settings, env_settings, dotenv_settings, toml, file_secret_settings

    @property
    def import_max_bytes(self) -> int:
        return int(self.import_max_mb * 1024 * 1024)

    @property
    def oidc_button_label(self) -> str:
        name = self.oidc_provider or ""
        known = {"proconnect": "ProConnect", "agentconnect": "AgentConnect"}
        return self.oidc_label or known.get(name.lower(), name[:1].upper() + name[1:])

    @property
    def is_default_store(self) -> bool:
        return self.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
