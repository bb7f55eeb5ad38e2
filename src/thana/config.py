"""Every setting of Thana, read once from THANA_* environment variables.

Nothing else in the code reads the environment: ask `settings()` instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THANA_", extra="ignore")

    data_dir: Path = Field(Path("thana-data"), description="where embedded mode keeps its database")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    force: str = Field("mumbai", description="bundled force name or a force package directory")
    nearest_max_km: float | None = Field(
        None, description="override the force's distance for 'nearest jurisdiction' answers"
    )
    base_url: str = Field("http://127.0.0.1:8000", description="public address, for links and QR codes")
    log_level: str = "INFO"

    # Channels (issue: channels). A channel without its secret is off.
    x_consumer_secret: str | None = None
    x_bearer_token: str | None = None
    x_api_base: str = "https://api.x.com"
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_access_token: str | None = None
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    sms_secret: str | None = None
    sms_api_base: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'thana.db').resolve()}"

    @property
    def embedded(self) -> bool:
        """True when running on the embedded SQLite database."""
        return self.sqlalchemy_url.startswith("sqlite")


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    """Read the environment again (tests and the CLI's global options change it)."""
    settings.cache_clear()
    return settings()
