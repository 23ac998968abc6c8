"""The repository is self-contained: tests and benchmarks read only what it holds.

A clone in any folder, with nothing beside it, must pass. Two checks: no test, benchmark
or script names a path outside the checkout, and (last test of the run) the audit hook of
tests/outside_reads.py saw nothing opened outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.outside_reads import LAST_TEST, OUTSIDE_READS, OutsideReads
from tests.testdata import DATA, REPOSITORY, data_path

CHECKED_FOLDERS = ("tests", "bench", "scripts", ".ci")
# Where the shared folder used to be found, and the override that pointed at it.
FORBIDDEN = ("/work/", "../shared", "TRUYXUAT_SHARED_DIR", "shared_path")
# Path(__file__).resolve().parents[N] followed by any `.parent`s: how far up it climbs.
CLIMB = re.compile(
    r"parents\[(\d+)\]((?:\.parent\b)*)|__file__\)(?:\.resolve\(\))?((?:\.parent\b)+)"
)


def _checked_files() -> list[Path]:
    files = [
        path
        for folder in CHECKED_FOLDERS
        for path in (REPOSITORY / folder).rglob("*")
        if path.is_file() and (path.suffix in {".py", ".sh"} or path.parent.name == ".ci")
    ]
    return [path for path in files if DATA not in path.parents and path != Path(__file__).resolve()]


def _climbs_out(path: Path, text: str) -> list[str]:
    depth = len(path.relative_to(REPOSITORY).parts)  # parents[depth - 1] is the repository
    outside = []
    for match in CLIMB.finditer(text):
        if match.group(1) is not None:
            levels = int(match.group(1)) + 1 + match.group(2).count(".parent")
        else:
            levels = match.group(3).count(".parent")
        if levels >= depth + 1:
            outside.append(match.group(0))
    return outside


def test_no_file_names_a_path_outside_the_repository() -> None:
    files = _checked_files()
    assert len(files) > 50, "the walk found the tests and benchmarks"
    offences = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        named = [word for word in FORBIDDEN if word in text] + _climbs_out(path, text)
        offences += [f"{path.relative_to(REPOSITORY)}: {word}" for word in named]
    assert offences == []


def test_climbing_is_measured_from_the_file() -> None:
    bench = REPOSITORY / "bench" / "bench_x.py"
    nested = REPOSITORY / "tests" / "gs1" / "test_x.py"
    assert _climbs_out(bench, "ROOT = Path(__file__).resolve().parents[1]") == []
    assert _climbs_out(bench, 'Path(__file__).resolve().parents[2] / "shared"') != []
    assert _climbs_out(nested, 'Path(__file__).resolve().parents[2] / "registry"') == []
    assert _climbs_out(nested, 'Path(__file__).resolve().parents[1].parent.parent / "x"') != []
    assert _climbs_out(nested, "Path(__file__).parent.parent.parent.parent") != []


def test_the_guard_records_an_open_beside_the_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "tests" / "data").mkdir(parents=True)
    (checkout / "tests" / "data" / "cases.json").write_text("{}")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "cases.json").write_text("{}")
    guard = OutsideReads(checkout, allowed=[], temp=Path("/nonexistent-temp"), temp_entries=[])

    with guard.recorded() as found:
        (checkout / "tests" / "data" / "cases.json").read_text()
        (tmp_path / "shared" / "cases.json").read_text()
        list((tmp_path / "shared").glob("*.json"))

    assert list(found) == [str(tmp_path / "shared" / "cases.json"), str(tmp_path / "shared")]
    assert found[str(tmp_path / "shared")].startswith("tests/test_self_contained.py::")


def test_beside_a_checkout_in_work() -> None:
    guard = OutsideReads(
        Path("/work/wt-x"), allowed=[Path("/work/wt-x/.venv")], temp=Path("/tmp"), temp_entries=[]
    )
    assert not guard.is_outside("/work/wt-x/tests/data/vectors/identifier-cases.json")
    assert not guard.is_outside("/usr/share/zoneinfo/Asia/Ho_Chi_Minh")
    assert not guard.is_outside("/tmp/tmpab12cd/upload.png")
    assert guard.is_outside("/work/shared/testdata/identifier-cases.json")
    assert guard.is_outside("/work/wt-x/../shared/standards/epcis")
    assert guard.is_outside("/work/wt-xy/tests/data/vectors/identifier-cases.json")


def test_beside_a_checkout_in_tmp_only_the_runs_own_files_are_allowed() -> None:
    guard = OutsideReads(
        Path("/tmp/clone"),
        allowed=[Path("/usr")],
        temp=Path("/tmp"),
        temp_entries=["clone", "shared"],
    )
    assert not guard.is_outside("/tmp/clone/tests/data/vectors/identifier-cases.json")
    assert not guard.is_outside("/tmp/tmpab12cd/upload.png")  # made by the run
    assert not guard.is_outside("/tmp/pytest-of-root/pytest-7/test_x0/out.pdf")
    assert guard.is_outside("/tmp/shared/testdata/identifier-cases.json")
    assert guard.is_outside("/tmp/clone/../shared/x.json")


def test_data_path_refuses_a_missing_file() -> None:
    assert data_path("vectors", "identifier-cases.json").is_file()
    with pytest.raises(FileNotFoundError, match="tests/data"):
        data_path("vectors", "no-such-cases.json")


def test_nothing_was_read_outside_the_repository(pytestconfig: pytest.Config) -> None:
    """Moved to the end of the run by tests/conftest.py, so it sees every test before it."""
    assert pytestconfig.stash[OUTSIDE_READS].report() == ""


def test_the_outside_read_check_is_moved_last(request: pytest.FixtureRequest) -> None:
    assert request.session.items[-1].name == LAST_TEST
