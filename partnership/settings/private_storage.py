"""Where private files (risk documents) are kept: `STORAGES["private"]`, chosen by
`PRIVATE_STORAGE`.

- `filesystem` (the default): `PRIVATE_MEDIA_ROOT`, files readable by the portal's own user
  only (0600, folders 0700).
- `s3`: a bucket of S3 or an S3-compatible service, through django-storages (the `s3`
  extra: `pip install '.[s3]'`). The bucket is `AWS_STORAGE_BUCKET_NAME`; the service's
  address `AWS_S3_ENDPOINT_URL` (none for AWS itself); keys are read by boto3 from
  `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, or the machine's role, and never kept
  in settings.
"""

from __future__ import annotations

import importlib.util

from django.core.exceptions import ImproperlyConfigured

KINDS = ("filesystem", "s3")
FILESYSTEM = {
    "BACKEND": "partnership.storage.PrivateFileSystemStorage",
    "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
}
# Kept in memory up to this size when read from the bucket, on a temporary file beyond.
S3_MAX_MEMORY_BYTES = 1024 * 1024


def private_storage(kind: str, env) -> dict:
    """The `STORAGES` entry for private files of this kind, or ImproperlyConfigured."""
    if kind == "filesystem":
        return FILESYSTEM
    if kind != "s3":
        raise ImproperlyConfigured(
            f"PRIVATE_STORAGE must be one of {', '.join(KINDS)}, not {kind!r}"
        )
    missing = [name for name in ("storages", "boto3") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImproperlyConfigured(
            "PRIVATE_STORAGE=s3 needs django-storages and boto3, which are not installed "
            f"(missing: {', '.join(missing)}): install the portal with its s3 extra, "
            "pip install '.[s3]' (in the image: build it with EXTRAS=s3)"
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # A key prefix, for a bucket shared with other things.
            "location": env("AWS_LOCATION", default=""),
            # Names are random, but a name in use is never written over all the same.
            "file_overwrite": False,
            # Objects get the bucket's own settings (keep it private, with public access
            # blocked): some S3-compatible services refuse ACLs outright.
            "default_acl": None,
            "querystring_auth": True,
            "max_memory_size": S3_MAX_MEMORY_BYTES,
        },
    }
