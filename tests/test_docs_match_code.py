"""The README's settings table names every setting the code reads, and nothing else."""

from __future__ import annotations

import re

from registry.settings import Settings
from tests.testdata import REPOSITORY

APP_PACKAGES = ("registry", "labels", "service", "scanner_client")
# A setting read straight from the environment, outside registry/settings.py: a quoted name.
QUOTED_NAME = re.compile(r"""["'](TRUYXUAT_[A-Z][A-Z0-9_]*[A-Z0-9])["']""")


def _readme_settings() -> set[str]:
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(TRUYXUAT_[A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))


def _settings_read_by_the_code() -> set[str]:
    names = {f"TRUYXUAT_{field.upper()}" for field in Settings.model_fields}
    for package in APP_PACKAGES:
        for source in (REPOSITORY / package).rglob("*.py"):
            names |= set(QUOTED_NAME.findall(source.read_text(encoding="utf-8")))
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    documented, read = _readme_settings(), _settings_read_by_the_code()
    assert "TRUYXUAT_DATA_DIR" in read and "TRUYXUAT_ENCODER" in read  # the search finds both
    assert read - documented == set(), "add these to the README's settings table"
    assert documented - read == set(), "the README documents settings nothing reads"
