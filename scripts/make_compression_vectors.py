"""Write tests/data/vectors/compressed-digital-links.json with gs1-compression (PyPI), an
independent implementation of compressed GS1 Digital Links.

It installs top-level `gs1` and `tests` packages, so it runs in a throwaway venv, never
in the app's:
    python3 -m venv /tmp/gs1c && /tmp/gs1c/bin/pip install gs1-compression
    /tmp/gs1c/bin/python scripts/make_compression_vectors.py \\
        tests/data/vectors/digital-link-cases.json tests/data/vectors/compressed-digital-links.json
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

from gs1 import compress_gs1_digital_link, decompress_gs1_digital_link

USAGE = (
    "compress_gs1_digital_link(uri, False, True) and decompress_gs1_digital_link(compressed, False)"
)


def main(source: str, target: str) -> None:
    cases = json.loads(Path(source).read_text(encoding="utf-8"))["cases"]
    out = []
    for case in cases:
        if not case.get("valid"):
            continue
        uri = case["canonical"]
        entry = {"uri": uri}
        try:
            compressed = compress_gs1_digital_link(uri, False, True)
            entry["compressed"] = compressed
            entry["decompressed"] = decompress_gs1_digital_link(compressed, False)
        except Exception as exc:  # the reference's own failures are recorded, not hidden
            entry["error"] = repr(exc)[:200]
        out.append(entry)
    document = {
        "made_by": f"gs1-compression {version('gs1-compression')} (PyPI), {USAGE}",
        "inputs": "the canonical URI of every valid case of digital-link-cases.json",
        "cases": out,
    }
    text = json.dumps(document, indent=1, ensure_ascii=False)
    Path(target).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
