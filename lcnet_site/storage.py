"""The storage block of the settings: files on a local folder, or in an S3 bucket (django-storages).

One function, so the settings and the tests that switch a process onto a bucket build the very same block.
"""
from __future__ import annotations


def s3_storage(bucket: str, *, prefix: str = "", region: str | None = None, endpoint_url: str | None = None,
               access_key: str | None = None, secret_key: str | None = None) -> dict:
    """STORAGES["default"] for an S3 bucket. Keys not given come from boto3's usual chain (AWS_ACCESS_KEY_ID /
    AWS_SECRET_ACCESS_KEY in the environment, a profile, an instance or task role). `endpoint_url` names an
    S3-compatible server (SeaweedFS, MinIO, Ceph); stored files are overwritten in place (guess labels of a new
    run keep their names) and carry no ACL (the bucket's policy decides)."""
    options = {"bucket_name": bucket, "region_name": region, "endpoint_url": endpoint_url, "location": prefix,
               "file_overwrite": True, "default_acl": None}
    if access_key:
        options.update(access_key=access_key, secret_key=secret_key)
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def local_storage(location, base_url: str = "/media/") -> dict:
    return {"BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": base_url}}
