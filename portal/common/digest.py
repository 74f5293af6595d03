"""The size and SHA-256 of a file read by blocks: what a backup writes in its manifest and what the integrity checks
compare with a document's row (the upload checks, ``dossiers.documents.checks``, also look at its first and last
bytes and stop at the size limit, in the same pass)."""

from __future__ import annotations

import hashlib

BLOCK = 1 << 20


def size_and_sha256(source, target=None) -> tuple[int, str]:
    """Read ``source`` (a binary file object) to its end by blocks, writing each to ``target`` if given; its size and
    SHA-256 (hex)."""
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: source.read(BLOCK), b""):
        digest.update(block)
        size += len(block)
        if target is not None:
            target.write(block)
    return size, digest.hexdigest()
