"""Reading stored files where they lie: a local path, or byte ranges of an S3 object.

Scene COGs, guess labels and land-cover maps are opened by rasterio where the storage API put them. On local storage
that is the file's path. On S3 it is GDAL's S3 driver (`/vsis3/`), which asks the server for byte ranges: a 32×32
window of a scene moves its header and the one deflated block it needs (a few KB), not the whole object. The GDAL
options come from the storage object itself (bucket, prefix, endpoint, region, credentials), so the settings that
make django-storages write to a bucket are the ones rasterio reads it with.

Stored rasters are rewritten under the same name (a new training run's guess label, a chip ingested again), so GDAL
keeps nothing about an S3 object after the dataset is closed (CPL_VSIL_CURL_NON_CACHED): a reader never sees the
header of an earlier version.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator
from urllib.parse import urlsplit

import rasterio
from rasterio.io import MemoryFile
from django.core.files.storage import default_storage

# GDAL's HTTP reads: 4 KB chunks (a scene's header is ~2 KB, one deflated 32×32 block ~10 KB; the 16 KB default
# would move twice the bytes of a local read for one task window), the header in the first request, no directory
# listing to look for side-car files, a few retries on a busy server.
GDAL_S3_OPTIONS = {
    "CPL_VSIL_CURL_CHUNK_SIZE": "4096",
    "GDAL_INGESTED_BYTES_AT_OPEN": "4096",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_HTTP_MAX_RETRY": "3",
    "GDAL_HTTP_RETRY_DELAY": "0.5",
}


def is_s3(storage=None) -> bool:
    from storages.backends.s3 import S3Storage  # django-storages (requirements.txt); imported only when asked

    return isinstance(storage or default_storage, S3Storage)  # no boto3 connection is made to answer this


def local_path(name: str, storage=None) -> str | None:
    """The stored file's path on this machine, or None when the storage has no local files (S3)."""
    try:
        return (storage or default_storage).path(name)
    except NotImplementedError:
        return None


def s3_key(name: str, storage=None) -> str:
    """The object key of a stored name (the storage's prefix, LCNET_S3_PREFIX, included)."""
    storage = storage or default_storage
    return storage._normalize_name(name.replace("\\", "/"))


@lru_cache(maxsize=8)
def _gdal_session(profile: str | None, access_key: str | None, secret_key: str | None, token: str | None,
                  region: str | None, endpoint: str | None):
    """rasterio's AWS session for a storage's settings; boto3 resolves missing keys (environment, instance role)
    and refreshes expiring ones each time a dataset is opened."""
    import boto3
    from rasterio.session import AWSSession

    session = boto3.Session(profile_name=profile) if profile else boto3.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret_key, aws_session_token=token)
    return AWSSession(session=session, region_name=region, endpoint_url=endpoint)


def gdal_s3_env(storage=None) -> rasterio.Env:
    """A rasterio environment that reads the storage's bucket through /vsis3/."""
    storage = storage or default_storage
    options = dict(GDAL_S3_OPTIONS, CPL_VSIL_CURL_NON_CACHED=f"/vsis3/{storage.bucket_name}/")
    endpoint = None
    if storage.endpoint_url:  # an S3-compatible server (SeaweedFS, MinIO, Ceph): host:port, path-style URLs
        url = urlsplit(storage.endpoint_url)
        endpoint = url.netloc
        options["AWS_HTTPS"] = "YES" if url.scheme == "https" else "NO"
        options["AWS_VIRTUAL_HOSTING"] = "FALSE"
    elif storage.addressing_style == "path":
        options["AWS_VIRTUAL_HOSTING"] = "FALSE"
    session = _gdal_session(storage.session_profile, storage.access_key, storage.secret_key, storage.security_token,
                            storage.region_name or "us-east-1", endpoint)
    return rasterio.Env(session=session, **options)


def vsis3_path(name: str, storage=None) -> str:
    storage = storage or default_storage
    return f"/vsis3/{storage.bucket_name}/{s3_key(name, storage)}"


@contextmanager
def stored_raster(name: str) -> Iterator[str]:
    """The path rasterio opens for a stored file, valid inside the block: its local path; on S3 a /vsis3/ path with
    GDAL set up to read it by ranges; on any other storage an in-memory copy."""
    path = local_path(name)
    if path is not None:
        yield path
    elif is_s3():
        with gdal_s3_env():
            yield vsis3_path(name)
    else:  # a storage with neither paths nor ranges: its bytes, as a GDAL in-memory file
        with default_storage.open(name, "rb") as fh, MemoryFile(fh.read()) as memfile:
            yield memfile.name


def read_range(name: str, start: int, stop: int) -> bytes:
    """Bytes [start, stop) of a stored file: one ranged GET on S3, a seek and a read on disk."""
    if stop <= start:
        return b""
    if is_s3():
        obj = default_storage.connection.meta.client.get_object(
            Bucket=default_storage.bucket_name, Key=s3_key(name), Range=f"bytes={start}-{stop - 1}")
        return obj["Body"].read()
    with default_storage.open(name, "rb") as fh:
        fh.seek(start)
        return fh.read(stop - start)


@dataclass(frozen=True)
class StoredFile:
    """A stored file served in byte ranges (the scene download): its size is known without reading it."""

    name: str
    size: int

    def open(self):
        return default_storage.open(self.name, "rb")

    def read_range(self, start: int, stop: int) -> bytes:
        return read_range(self.name, start, stop)


def stored_file(name: str) -> StoredFile:
    """FileNotFoundError when the storage has no such file."""
    try:
        return StoredFile(name, default_storage.size(name))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise FileNotFoundError(name) from exc
    except Exception as exc:  # botocore's ClientError (404) on S3
        if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise FileNotFoundError(name) from exc
        raise
