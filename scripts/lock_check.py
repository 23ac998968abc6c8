"""Exit 1, naming them, when installed releases miss what pyproject.toml asks for
(base, `dev` and `fast`): the lock is older than a dependency someone added."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement

EXTRAS = ("", "dev", "fast")


def unmet() -> list[str]:
    missing = []
    for line in requires("truyxuat") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker and not any(marker.evaluate({"extra": extra}) for extra in EXTRAS):
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            missing.append(f"{requirement} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            missing.append(f"{requirement} (installed: {installed})")
    return missing


if __name__ == "__main__":
    if problems := unmet():
        print("requirements.lock does not cover pyproject.toml:", *problems, sep="\n  ")
        print("Refresh it with: sh scripts/lock.sh   (then commit requirements.lock)")
        sys.exit(1)
