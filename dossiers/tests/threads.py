"""Concurrent work in tests: threads that start together, each on its own database connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def run_in_threads(count: int, work) -> list:
    """Run ``work(index, barrier)`` in ``count`` threads at once; each closes its own connection when done."""
    barrier = threading.Barrier(count, timeout=60)

    def worker(index: int):
        try:
            return work(index, barrier)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))
