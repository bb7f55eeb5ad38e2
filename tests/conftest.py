"""Shared fixtures: a clean database on SQLite and on PostgreSQL, the bundled force, the web app.

PostgreSQL comes from THANA_TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432 as user
postgres); each test session creates its own database and drops it at the end. When PostgreSQL
cannot be reached, its tests are skipped with the reason printed — CI starts the server first.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from thana.config import reload_settings
from thana.store.db import Database, forget_databases, get_database
from thana.store.schema import Base

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_ADMIN_URL = os.environ.get("THANA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test saying why."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: these tests read the shared data and fixtures from ../shared")
    return path


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own data directory and the default settings."""
    for key in list(os.environ):
        if key.startswith("THANA_") and key != "THANA_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("THANA_DATA_DIR", str(tmp_path / "thana-data"))
    reload_settings()
    yield
    forget_databases()
    reload_settings()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"thana_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({type(exc).__name__}); CI starts it")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    forget_databases()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A migrated, empty database: every test that takes it runs on SQLite and on PostgreSQL."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'thana-data' / 'thana.db'}"
    monkeypatch.setenv("THANA_DATABASE_URL", url)
    reload_settings()
    database = get_database(url)
    database.migrate()
    _truncate(database)
    return database


@pytest.fixture
def pg(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    """PostgreSQL only (worker processes, SKIP LOCKED)."""
    monkeypatch.setenv("THANA_DATABASE_URL", postgres_url)
    reload_settings()
    database = get_database(postgres_url)
    database.migrate()
    _truncate(database)
    return database


@pytest.fixture(scope="session")
def mumbai():
    from thana.packages import get_force

    return get_force("mumbai")


@pytest.fixture
def output_dir() -> Path:
    """Where tests leave what a person should look at (screenshots): test-output/ in the project."""
    path = Path(__file__).resolve().parents[1] / "test-output"
    path.mkdir(exist_ok=True)
    return path


# -- the app on a real port, and the fake Graph API delivering to it (channel tests) ----------------------


@pytest.fixture(scope="module")
def app_url():
    """Thana's web app served on a loopback port for the module's tests: the fakes call its webhooks."""
    from tests.channels import running_app

    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def _graph_server(app_url):
    from tests.fakes.graph_api import FakeGraphApi

    with FakeGraphApi(callback_url=app_url + "/webhooks/whatsapp") as fake:
        yield fake
