"""What a client can compare of two answers: everything but what differs by request whatever was asked."""

from __future__ import annotations

import re

PER_REQUEST = {"date", "x-request-id"}


def comparable_headers(response) -> list[tuple[str, str]]:
    """The headers without the date and the request's id, the policy's one-time nonce blanked."""
    return sorted(
        (name, re.sub(r"'nonce-[^']+'", "'nonce-*'", value))
        for name, value in response.headers.items()
        if name.lower() not in PER_REQUEST
    )
