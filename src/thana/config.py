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

    # Channels. A channel without its secret is off, says so at start-up, and accepts nothing.
    x_consumer_secret: str | None = Field(None, description="verifies X webhooks (CRC and signatures)")
    x_bearer_token: str | None = Field(None, description="user-context token of the account that replies")
    x_api_base: str = "https://api.x.com"
    x_user_ids: str = Field("", description="comma-separated X user ids whose mentions `thana channel x poll` reads")
    whatsapp_app_secret: str | None = Field(None, description="verifies X-Hub-Signature-256")
    whatsapp_verify_token: str | None = Field(None, description="answers Meta's GET verification")
    whatsapp_access_token: str | None = Field(None, description="sends WhatsApp messages")
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_template: str = Field("thana_case_update", description="approved template for replies after 24 h")
    whatsapp_phone_number_id: str | None = Field(None, description="the number advisories are sent from")
    whatsapp_advisory_template: str = Field("thana_advisory", description="approved template for advisories")
    sms_secret: str | None = Field(None, description="verifies the gateway's X-Thana-Signature")
    sms_api_base: str | None = Field(None, description="the SMS gateway's HTTP API")
    sms_api_key: str | None = None
    sms_sender_id: str = "THANAP"
    open311_api_keys: str = Field("", description="comma-separated keys accepted by POST /open311/v2/requests")
    media_max_bytes: int = 5_000_000
    outbox_max_attempts: int = 8

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
