"""The private storage of the documents' files: removing what a failed write left behind.

Files are written last, inside the transaction that writes their rows; if anything fails after a file was written,
the written files are deleted before the error goes on (``removed_on_failure``). A rollback of an *enclosing*
transaction after success cannot be seen from here and leaves an orphan file (never reachable: no row points to it),
which the nightly sweep removes (``dossiers.files``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from dossiers.models import private_storage

logger = logging.getLogger(__name__)


@contextmanager
def removed_on_failure() -> Iterator[list[str]]:
    """Collects the names of files written to the private storage; deletes them if the block fails.

    Used *outside* ``transaction.atomic()``: a failed commit is caught too.
    """
    written: list[str] = []
    try:
        yield written
    except BaseException:
        storage = private_storage()
        for name in written:
            try:
                storage.delete(name)
            except Exception:  # pragma: no cover - the original error matters more
                logger.exception("could not delete %s after a failed write", name)
        raise
