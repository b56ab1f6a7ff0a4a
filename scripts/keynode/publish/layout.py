"""Where a publication lives on disk, and the file-system moves that make publishing atomic.

A version is built in a private staging folder, written, checkpointed, closed and fsynced, then moved
into ``versions/NNNNNN`` with one ``rename`` (a version folder exists only when complete), and served by
replacing the stable symlink with ``os.replace`` (atomic on POSIX). A reader that opened the previous
file keeps reading it (an open file survives its rename and deletion); a reader that opens the stable
path afterwards gets the new file. Nothing ever writes into a file a reader may have open, so readers
never meet a lock or a half-written file, and a SIGKILL at any point leaves the served version intact
(staging leftovers are removed by the next publisher, which holds the lock).

Files of a version are named like the stable path (``keynode_bi.duckdb``): DuckDB 2.x names the
catalog after the symlink's target, 1.x after the symlink, so both see the same catalog name.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION_DIGITS = 6
_VERSION_RE = re.compile(r"^v?(\d{1,9})$")
_REVISION_RE = re.compile(r"^r(\d{1,6})$")
LOCK_TIMEOUT_SECONDS = 600.0


class UnsafeValue(ValueError):
    """A value from the command line or the environment that may not reach SQL or the file system."""


def parse_version(text: str | int) -> int:
    """A version number from user input (``12``, ``000012`` or ``v12``); anything else is refused."""
    value = str(text).strip()
    match = _VERSION_RE.match(value)
    if not match or int(match.group(1)) < 1:
        raise UnsafeValue(f"not a publication version (a positive number such as 12): {str(text)!r}")
    return int(match.group(1))


def version_name(version: int) -> str:
    return f"{version:0{VERSION_DIGITS}d}"


def safe_path(value: str | os.PathLike[str], what: str) -> Path:
    """An absolute path that can be quoted into SQL and used on disk: no control characters."""
    text = os.fspath(value)
    if not text or any(ord(c) < 32 or c == "\x7f" for c in text):
        raise UnsafeValue(f"{what} contains control characters or is empty: {text!r}")
    return Path(text).absolute()


def sql_string(value: str | os.PathLike[str]) -> str:
    """A SQL string literal: single quotes doubled, control characters refused."""
    text = os.fspath(value)
    if any(ord(c) < 32 for c in text):
        raise UnsafeValue(f"refusing a control character in a SQL literal: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier for a table or column name read from the dbt manifest."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", name):
        raise UnsafeValue(f"not a plain identifier: {name!r}")
    return '"' + name + '"'


@dataclass(frozen=True)
class BiLayout:
    """The folders and files of one BI artefact, given its stable path (``.../bi/keynode_bi.duckdb``)."""

    artefact: Path

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> BiLayout:
        artefact = safe_path(path, "BI artefact path")
        if artefact.suffix != ".duckdb":
            raise UnsafeValue(f"the BI artefact must be a .duckdb file: {artefact}")
        return cls(artefact)

    @property
    def root(self) -> Path:
        return self.artefact.parent

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def staging_dir(self) -> Path:
        return self.root / ".staging"

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    @property
    def status_json(self) -> Path:
        return self.root / "published_status.json"

    def version_dir(self, version: int) -> Path:
        return self.versions_dir / version_name(version)

    def manifest_path(self, version: int) -> Path:
        return self.version_dir(version) / "manifest.json"

    def revision_file(self, version: int, revision: int) -> Path:
        """Revision 0 is the publication itself; later revisions only update its status tables."""
        base = self.version_dir(version)
        return (base if revision == 0 else base / f"r{revision}") / self.artefact.name

    def versions(self) -> list[int]:
        """Complete versions (their manifest.json exists), oldest first."""
        if not self.versions_dir.is_dir():
            return []
        found = []
        for child in self.versions_dir.iterdir():
            if child.name.isdigit() and (child / "manifest.json").is_file():
                found.append(int(child.name))
        return sorted(found)

    def revisions(self, version: int) -> list[int]:
        base = self.version_dir(version)
        found = [0] if (base / self.artefact.name).is_file() else []
        if base.is_dir():
            for child in base.iterdir():
                match = _REVISION_RE.match(child.name)
                if match and (child / self.artefact.name).is_file():
                    found.append(int(match.group(1)))
        return sorted(found)

    def served(self) -> tuple[int, int] | None:
        """(version, revision) the stable path points at, or None when nothing is published."""
        try:
            target = Path(os.readlink(self.artefact))
        except OSError:
            return None
        parts = target.parts
        if len(parts) < 3 or parts[0] != "versions" or not parts[1].isdigit():
            return None
        revision = _REVISION_RE.match(parts[2])
        return int(parts[1]), int(revision.group(1)) if revision else 0

    def load_manifest(self, version: int) -> dict[str, Any]:
        return json.loads(self.manifest_path(version).read_text(encoding="utf-8"))

    def next_version(self) -> int:
        served = self.served()
        return max([*self.versions(), served[0] if served else 0, 0]) + 1

    def new_staging(self, label: str) -> Path:
        path = self.staging_dir / f"{label}-{os.getpid()}-{time.monotonic_ns()}"
        path.mkdir(parents=True)
        return path

    def clean_staging(self) -> list[Path]:
        """Removes what crashed publishers left behind (call with the lock held)."""
        removed = []
        if self.staging_dir.is_dir():
            for child in self.staging_dir.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()
                removed.append(child)
        for leftover in self.root.glob(".*.tmp-*"):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
        return removed


def fsync_path(path: Path) -> None:
    """Flushes a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), reverse=True):
        fsync_path(child)
    fsync_path(path)


def switch_symlink(link: Path, target: Path) -> None:
    """Points ``link`` at ``target`` (stored relative to the link's folder) with one atomic rename."""
    relative = os.path.relpath(target, link.parent)
    tmp = link.parent / f".{link.name}.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(relative, tmp)
    os.replace(tmp, link)
    fsync_path(link.parent)


def write_json_atomic(path: Path, data: Any) -> None:
    """Writes JSON to a temporary file, fsyncs it, and renames it over ``path``."""
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, default=str, sort_keys=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


@contextlib.contextmanager
def publisher_lock(layout: BiLayout, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """One publisher at a time per artefact (an flock: released by the kernel if the holder dies)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    handle = open(layout.root / ".publish.lock", "a+")  # noqa: SIM115 - held for the whole block
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another keynode publisher holds {layout.root}/.publish.lock"
                    ) from exc
                time.sleep(0.2)
        yield
    finally:
        handle.close()
