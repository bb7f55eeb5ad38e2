"""The database: one engine per URL, SQLite tuned for embedded use, Alembic migrations on demand."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from thana.config import settings

MIGRATIONS = Path(__file__).parent / "migrations"
_lock = threading.Lock()
_databases: dict[str, Database] = {}


def json_text(value) -> str:
    """A JSON column's value as the database is sent it. orjson, as json.dumps would write it but for
    spaces and non-ASCII letters kept as they are: the intake writes ten JSON values a message, and this
    is a tenth of json.dumps's time. What orjson refuses and json.dumps took (an integer past 64 bits in
    a payload, a float subclass) is still stored, by json.dumps."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def json_value(text: str):
    """A JSON column's value as read: orjson, or json for what orjson refuses (NaN, written by json.dumps)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


JSON_CODEC = {"json_serializer": json_text, "json_deserializer": json_value}  # both engines


class Database:
    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **JSON_CODEC)
            _tune_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **JSON_CODEC)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def session(self) -> Session:
        return self.sessions()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        with _lock, self.engine.begin() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        try:
            cur.execute("SELECT floor(0.5)")  # the incident lookup's bands of latitude
        except sqlite3.OperationalError:  # an SQLite built without its math functions
            dbapi_conn.create_function("floor", 1, _floor, deterministic=True)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Take the write lock at the start: two writers never deadlock upgrading a read lock,
        # they queue on busy_timeout instead. Readers in WAL mode are never blocked; a connection
        # that only reads says so (execution option sqlite_read) and takes no lock.
        read_only = conn.get_execution_options().get("sqlite_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _floor(x: float | None) -> float | None:
    return None if x is None else float(math.floor(x))


def get_database(url: str | None = None) -> Database:
    """The process's Database for a URL (the configured one by default)."""
    url = url or settings().sqlalchemy_url
    with _lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = Database(url)
        return db


def forget_databases() -> None:
    """Close every engine (tests, and after fork in worker processes)."""
    with _lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()
