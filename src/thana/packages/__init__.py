"""Force packages on disk: the bundled ones (a folder each beside this file) and any directory.

This is the edge where packages are read; `thana.force.package` turns the texts into a Force.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from thana.force.model import Force
from thana.force.package import OPTIONAL_FILES, REQUIRED_FILES, LoadResult, load_force

BUNDLED_DIR = Path(__file__).parent


class ForceNotFound(LookupError):
    pass


class InvalidForce(ValueError):
    def __init__(self, path: Path, result: LoadResult):
        self.path, self.result = path, result
        lines = "\n".join(f"  {p}" for p in result.errors[:20])
        more = f"\n  … and {len(result.errors) - 20} more" if len(result.errors) > 20 else ""
        super().__init__(f"force package {path} has {len(result.errors)} error(s):\n{lines}{more}")


def bundled_forces() -> list[str]:
    return sorted(p.name for p in BUNDLED_DIR.iterdir() if (p / "force.toml").is_file())


def resolve_force_path(name_or_dir: str | Path) -> Path:
    """A bundled force's name or a package directory -> the directory."""
    path = Path(name_or_dir).expanduser()
    if path.is_dir():
        if not (path / "force.toml").is_file():
            raise ForceNotFound(f"{path} is a directory but has no force.toml: not a force package")
        return path.resolve()
    if (BUNDLED_DIR / str(name_or_dir) / "force.toml").is_file():
        return BUNDLED_DIR / str(name_or_dir)
    raise ForceNotFound(
        f"no force package {str(name_or_dir)!r}: give a directory or one of the bundled forces "
        f"({', '.join(bundled_forces()) or 'none'})"
    )


def read_package(path: Path) -> LoadResult:
    files: dict[str, str] = {}
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        file = path / name
        if file.is_file():
            try:
                files[name] = file.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                return LoadResult(None, [_problem(name, f"not UTF-8 text: {exc}")])
    return load_force(files, source_dir=str(path))


def _problem(file: str, message: str):
    from thana.force.package import Problem

    return Problem(file, None, None, message)


def _stamp(path: Path) -> tuple:
    return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(path.iterdir()) if f.is_file())


@lru_cache(maxsize=8)
def _load_cached(path: Path, stamp: tuple) -> Force:
    result = read_package(path)
    if not result.ok:
        raise InvalidForce(path, result)
    return result.force


def get_force(name_or_dir: str | Path | None = None) -> Force:
    """The force to work with: a bundled name, a directory, or the configured default."""
    if name_or_dir is None:
        from thana.config import settings

        name_or_dir = settings().force
    path = resolve_force_path(name_or_dir)
    return _load_cached(path, _stamp(path))
