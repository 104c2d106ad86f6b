"""Real servers on loopback for acquisition tests and bench/acquire.py: a static file server that answers byte
ranges (and logs every request's range), and `rustac serve`, a real STAC API. Both take free ports and are stopped
by their owner (context managers)."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class Request:
    method: str
    path: str
    start: int | None  # first byte asked for (None: the whole file)
    end: int | None  # last byte, inclusive
    status: int
    sent: int  # body bytes sent


class _Handler(SimpleHTTPRequestHandler):
    server: "RangeServer"

    def log_message(self, *args):  # quiet: requests are recorded in server.requests
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _serve(self, head: bool):
        srv = self.server.owner
        path = self.path.split("?", 1)[0]
        fault = srv.take_fault(path)
        if fault:
            self.send_error(fault)
            srv.record(Request(self.command, path, None, None, fault, 0))
            return
        file = srv.file_for(path)
        if file is None:
            self.send_error(404)
            srv.record(Request(self.command, path, None, None, 404, 0))
            return
        size = file.stat().st_size
        match = _RANGE.match(self.headers.get("Range", "").strip())
        start, end, status = 0, size - 1, 200
        if match and (match[1] or match[2]):
            if match[1]:
                start, end = int(match[1]), min(int(match[2]) if match[2] else size - 1, size - 1)
            else:  # suffix range: the last N bytes
                start, end = max(0, size - int(match[2])), size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                srv.record(Request(self.command, path, start, end, 416, 0))
                return
            status = 206
        length = end - start + 1
        self.send_response(status)
        self.send_header("Content-Type", "image/tiff")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        sent = 0
        if not head:
            with open(file, "rb") as fh:
                fh.seek(start)
                self.wfile.write(fh.read(length))
            sent = length
        srv.record(Request(self.command, path, start if status == 206 else None,
                           end if status == 206 else None, status, sent))


class RangeServer:
    """Serves the files under `root` on a free loopback port; `requests` lists what was asked and sent."""

    def __init__(self, root: Path, materialize=None):
        """`materialize(relative path) -> bool` may write a missing file under `root` on its first request
        (tests that serve hundreds of COGs write only those a client asks for)."""
        self.root = Path(root).resolve()
        self.materialize = materialize
        self._writing: dict[str, threading.Lock] = {}
        self.requests: list[Request] = []
        self._faults: list[list] = []  # [path substring, remaining count (None: always), status]
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def file_for(self, path: str) -> Path | None:
        file = (self.root / path.lstrip("/")).resolve()
        if self.root not in file.parents:
            return None
        if not file.is_file() and self.materialize is not None:
            with self._lock:
                lock = self._writing.setdefault(str(file), threading.Lock())
            with lock:
                if not file.is_file():
                    self.materialize(str(file.relative_to(self.root)))
        return file if file.is_file() else None

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def fail(self, path_part: str, times: int | None, status: int = 503) -> None:
        """Answer `status` to the next `times` requests whose path contains `path_part` (None: every one)."""
        with self._lock:
            self._faults.append([path_part, times, status])

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def take_fault(self, path: str) -> int | None:
        with self._lock:
            for fault in self._faults:
                if fault[0] in path and (fault[1] is None or fault[1] > 0):
                    if fault[1] is not None:
                        fault[1] -= 1
                    return fault[2]
        return None

    def bytes_sent(self) -> int:
        with self._lock:
            return sum(r.sent for r in self.requests)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rustac_binary() -> str:
    found = Path(sys.executable).with_name("rustac")
    if not found.exists():
        raise RuntimeError(f"rustac is not installed next to {sys.executable} (pip install rustac; requirements.txt)")
    return str(found)


class RustacServer:
    """`rustac serve FILE...` (an in-memory STAC API) on a free loopback port; `url` is its root."""

    def __init__(self, *item_files: Path, log: Path | None = None):
        self.files = [str(f) for f in item_files]
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self):
        for _ in range(5):  # the port is free when asked; another process may take it before rustac binds
            port = free_port()
            out = open(self.log, "w") if self.log else subprocess.DEVNULL
            self.proc = subprocess.Popen([rustac_binary(), "serve", "--addr", f"127.0.0.1:{port}", *self.files],
                                         stdout=out, stderr=subprocess.STDOUT)
            self.url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 30
            while self.proc.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(self.url + "collections", timeout=2) as resp:
                        if json.load(resp)["collections"]:
                            return self
                except OSError:
                    time.sleep(0.1)
            self.__exit__()
        raise RuntimeError(f"rustac serve did not start (see {self.log or 'its output'})")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
