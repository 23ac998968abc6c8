"""Entry point of the scan writer process (registry.scans.writer.ProcessWriter):
`python -m registry.scans.writer_process FD`, FD being its end of a socket pair."""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection

from registry.scans.writer import serve_writes

if __name__ == "__main__":
    serve_writes(Connection(int(sys.argv[1])))
    # Every batch is committed and the engine disposed: the interpreter's own teardown would
    # only free memory (0.15 s of CPU, longer on a busy machine), and the server's graceful
    # stop waits for this process to end.
    sys.stderr.flush()
    os._exit(0)
