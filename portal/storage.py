"""The options of the private storage on an S3-compatible service (django-storages), built in one place: the
settings (``PRIVATE_STORAGE_BACKEND=storages.backends.s3.S3Storage`` and ``AWS_*``) and the tests that run the portal
against a bucket (``dossiers/tests/test_object_storage.py``) use the same function.

Private by default: every object is written with the ``private`` canned ACL (no grant to AllUsers or
AuthenticatedUsers), a name is never overwritten (``file_overwrite`` off: a second file of the same name gets
another name), and were a URL ever asked for it would be a signed, expiring one (``querystring_auth``) — the portal
never asks: files go out only through its scoped, audited download views.
"""

from __future__ import annotations


def s3_storage_options(
    *,
    bucket_name: str,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> dict:
    return {
        "bucket_name": bucket_name,
        "endpoint_url": endpoint_url or None,
        "region_name": region_name or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
