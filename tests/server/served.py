"""A real ``cityreg serve`` process for the server tests, and the CPU time of its process tree."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
JAKARTA = "https://w3id.org/cityreg/id/jakarta/"
TRACE = json.dumps({"query": f'{{ whoCanAccess(source: "{JAKARTA}dataset/qlue-reports") '
                             "{ organisations { label } } }"}).encode()
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@dataclass
class Served:
    """A running server: its process and base URL."""

    process: subprocess.Popen[str]
    url: str

    def get(self, path: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        """GET ``path``: status, headers (lower-case names) and body, errors included."""
        return self.request(urllib.request.Request(self.url + path), timeout)

    def post(self, path: str, body: bytes, content_type: str, timeout: float = 60
             ) -> tuple[int, dict[str, str], bytes]:
        """POST ``body`` to ``path``."""
        return self.request(urllib.request.Request(
            self.url + path, data=body, method="POST",
            headers={"content-type": content_type}), timeout)

    @staticmethod
    def request(request: urllib.request.Request, timeout: float
                ) -> tuple[int, dict[str, str], bytes]:
        """Send ``request``; an HTTP error status is an answer, not an exception."""
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return (answer.status, {k.lower(): v for k, v in answer.headers.items()},
                        answer.read())
        except urllib.error.HTTPError as error:
            return (error.code, {k.lower(): v for k, v in error.headers.items()},
                    error.read())

    def health(self) -> dict[str, Any]:
        """The parsed ``/healthz``."""
        status, _, body = self.get("/healthz")
        assert status == 200, body
        answer: dict[str, Any] = json.loads(body)
        return answer

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and every process it started (workers that were
        killed and reaped count through the server's children's times)."""
        return tree_cpu_seconds(self.process.pid)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(*args: str, ready_seconds: float = 120) -> Iterator[Served]:
    """Run ``cityreg serve ARGS --port P`` until the block ends; wait for ``/healthz``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from registry.cli import main; main()", "serve", *args,
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    served = Served(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                served.health()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"cityreg serve exited: {process.communicate()}"
                                       ) from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            text = handle.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the state (field 3) on


def tree_cpu_seconds(root: int) -> float:
    """utime + stime (+ reaped children's) of ``root`` and its live descendants, in seconds."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None:
                parents[int(entry)] = int(fields[1])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    ticks = 0
    for pid in tree:
        fields = _stat(pid)
        if fields is not None:  # utime, stime, cutime, cstime are fields 14-17
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / CLOCK_TICKS
