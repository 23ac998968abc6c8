"""Entry point of the scan writer process (registry.scans.writer.ProcessWriter):
`python -m registry.scans.writer_process FD`, FD being its end of a socket pair."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from registry.scans.writer import serve_writes

if __name__ == "__main__":
    serve_writes(Connection(int(sys.argv[1])))
