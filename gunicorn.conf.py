"""gunicorn settings read from the working directory (the Dockerfile's and ``make bench``'s).

After a worker has built the app, everything it made at start-up (the knowledge base, the
templates, the URL map, SQLAlchemy's mappers) is moved out of the garbage collector's sight:
a full collection then scans only what requests create, instead of stopping a request for
~90 ms every few dozen requests, and the pages a worker shares with the master stay shared.
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    gc.collect()
    gc.freeze()
