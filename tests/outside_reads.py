"""Files the test process opens beside the repository, recorded by an audit hook.

A test that reads a folder beside the checkout passes on one machine and fails on a fresh
clone; its data belongs in tests/data. The hook sees every `open` and directory listing of
this process. What lies in the repository's parent folder but not in the repository is
recorded, unless it is a place any Python program touches (the interpreter, site-packages,
system folders, home caches) or a temporary file of this run (a clone may sit in /tmp);
tests/test_self_contained.py and the session's end fail on it. Absolute paths elsewhere
are refused by the static check in that file.
"""

from __future__ import annotations

import os
import site
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

AUDITED_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})
SYSTEM_FOLDERS = (
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/etc",
    "/proc",
    "/dev",
    "/sys",
    "/run",
)
HOME_CACHES = (".cache", ".config", ".local")
PYTEST_TEMP_PREFIX = "pytest-of-"
LAST_TEST = "test_nothing_was_read_outside_the_repository"  # in tests/test_self_contained.py


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class OutsideReads:
    def __init__(
        self, repository: Path, allowed: Iterable[Path], temp: Path, temp_entries: Iterable[str]
    ) -> None:
        self.repository = str(repository)
        self.beside = str(repository.parent)
        self.allowed = tuple(str(folder) for folder in allowed)
        self.temp = str(temp)
        # Entries of the temp folder from before the run (a checkout there, and whatever
        # lies beside it) are not the run's own temporary files.
        self.temp_entries_before = frozenset(temp_entries)
        self.found: dict[str, str] = {}
        self.recording = False

    @classmethod
    def for_this_process(cls, repository: Path) -> OutsideReads:
        interpreter = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        packages = [*site.getsitepackages(), site.getusersitepackages()]
        caches = [Path.home() / name for name in HOME_CACHES]
        allowed = [
            *map(Path, interpreter),
            *map(Path, packages),
            *map(Path, SYSTEM_FOLDERS),
            *caches,
        ]
        temp = Path(tempfile.gettempdir()).resolve()
        return cls(repository.resolve(), allowed, temp, os.listdir(temp))

    def is_outside(self, path: str) -> bool:
        """Beside the repository, in a place no test should need."""
        path = os.path.normpath(os.path.abspath(path))
        if not _under(path, self.beside) or _under(path, self.repository):
            return False
        if any(_under(path, folder) for folder in self.allowed):
            return False
        if _under(path, self.temp):
            entry = path[len(self.temp) :].lstrip("/").split("/", 1)[0]
            return entry in self.temp_entries_before and not entry.startswith(PYTEST_TEMP_PREFIX)
        return True

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if not self.recording or event not in AUDITED_EVENTS or not args:
            return
        target = args[0]
        if not isinstance(target, str | bytes | os.PathLike):  # an open descriptor, or None: "."
            return
        path = os.fsdecode(target)
        if self.is_outside(path):
            self.found.setdefault(path, os.environ.get("PYTEST_CURRENT_TEST", "collection"))

    def install(self) -> None:
        """Record from now until the process ends (an audit hook cannot be removed)."""
        sys.addaudithook(self._hook)
        self.recording = True

    @contextmanager
    def recorded(self) -> Iterator[dict[str, str]]:
        """Record only within the block (for testing the guard itself)."""
        self.install()
        try:
            yield self.found
        finally:
            self.recording = False

    def report(self) -> str:
        return "\n".join(f"{path}  (by {where})" for path, where in self.found.items())


OUTSIDE_READS = pytest.StashKey[OutsideReads]()
