"""Start real SPARQL engines on loopback for the tests: the Oxigraph server and Virtuoso.

Each engine gets a fresh data folder and free ports, is waited for until it answers, and is
stopped (and its folder deleted) at the end. An engine whose program is missing is skipped
with the reason, except under CI (``CI`` set), where `.ci/run` installs both and a missing one
is a failure: CI must never skip an engine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"
_START_SECONDS = 90.0


@dataclass
class Engine:
    """One running engine: its ``--store`` URL, how to restart or kill it."""

    name: str
    url: str
    folder: Path
    command: list[str]
    ready_url: str
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "engine.log"

    def start(self) -> None:
        """Start the engine on its folder and wait until it answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=self.folder, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} ended at start-up: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"{self.name} did not answer within {_START_SECONDS:g} s")

    def kill(self) -> None:
        """End the engine at once (SIGKILL: no shutdown, no checkpoint)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """End the engine politely, then for sure."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _missing(program: str, how: str) -> None:
    message = f"{program} is not installed ({how})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: .ci/run installs it, and CI never skips an engine")
    pytest.skip(message)


def oxigraph_server(timeout_s: int = 120) -> Engine:
    """An Oxigraph server (``oxigraph serve``) on a fresh folder, stopping a query after
    ``timeout_s`` seconds."""
    program = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(program).exists():
        _missing("oxigraph", "pip install -e '.[test]' installs it")
    folder = Path(tempfile.mkdtemp(prefix="cityreg-oxigraph-"))
    port = free_port()
    engine = Engine("oxigraph", f"oxigraph+http://127.0.0.1:{port}", folder,
                    [program, "serve", "--location", str(folder / "data"), "--bind",
                     f"127.0.0.1:{port}", "--timeout-s", str(timeout_s)],
                    f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    engine.start()
    return engine


def virtuoso(buffers: int = 20000, after_image_bytes: int = 50_000_000,
             answer_rows: int = 10_000_000) -> Engine:
    """Virtuoso Open Source 7 on a fresh database, DBA password ``dba``, answers uncut.

    ``buffers``: its page cache in 8 kB pages (20,000: 160 MB, enough for the tests;
    Virtuoso's own guide gives 85,000 per GB of memory it may use, which a registry of
    millions of statements needs, or every query reads the disk). ``after_image_bytes``:
    its TransactionAfterImageLimit (Virtuoso's default, 50 MB, aborts the load of a file of
    millions of statements). ``answer_rows``: its ResultSetMaxRows (over HTTP it answers at
    most 1,048,576 rows whatever this says).
    """
    program = shutil.which("virtuoso-t")
    if program is None:
        _missing("virtuoso-t", "apt-get install virtuoso-opensource-7")
        raise AssertionError  # not reached
    folder = Path(tempfile.mkdtemp(prefix="cityreg-virtuoso-"))
    sql_port, http_port = free_port(), free_port()
    root = "/var/lib/virtuoso-opensource-7/vsp"
    (folder / "virtuoso.ini").write_text(f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
TransactionAfterImageLimit = {after_image_bytes}
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {root}
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = {answer_rows}
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
""")
    engine = Engine("virtuoso", f"virtuoso+http://127.0.0.1:{http_port}", folder,
                    [program, "+configfile", str(folder / "virtuoso.ini"), "+foreground"],
                    f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D")
    engine.start()
    return engine


def remove(engine: Engine) -> None:
    engine.stop()
    shutil.rmtree(engine.folder, ignore_errors=True)


class KillingProxy:
    """A loopback TCP proxy in front of an engine that kills the engine (SIGKILL) once it has
    passed on ``after_bytes`` of a request that contains ``trigger`` (after letting
    ``spare`` such requests through whole): the engine dies with part of that request read,
    as a power cut or an OOM kill would leave it."""

    def __init__(self, engine: Engine, trigger: bytes, after_bytes: int, spare: int = 0
                 ) -> None:
        import threading

        self.engine = engine
        self.trigger = trigger
        self.after_bytes = after_bytes
        self.spare = spare
        self._lock = threading.Lock()
        self.killed = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        scheme, rest = engine.url.split("://", 1)
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._target = ("127.0.0.1", int(rest.rsplit(":", 1)[1]))
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._server.close()

    def _take_turn(self) -> bool:
        """Whether this request is the one to cut (the ones before it are spared)."""
        with self._lock:
            self.spare -= 1
            return self.spare < 0

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        import threading

        try:
            upstream = socket.create_connection(self._target, timeout=60)
        except OSError:  # the engine is down (this proxy killed it): refuse the same way
            client.close()
            return

        def back() -> None:
            try:
                while data := upstream.recv(65536):
                    client.sendall(data)
            except OSError:
                pass
            finally:
                client.close()

        threading.Thread(target=back, daemon=True).start()
        passed, seen, decided, armed = 0, b"", False, False
        try:
            while data := client.recv(65536):
                if not decided:
                    seen = (seen + data)[-(len(self.trigger) + 65536):]
                    if self.trigger in seen:
                        decided = True
                        armed = self._take_turn()
                if armed:
                    room = self.after_bytes - passed
                    if room <= len(data):
                        upstream.sendall(data[:room])
                        time.sleep(0.2)
                        self.engine.kill()
                        self.killed.set()
                        with contextlib.suppress(OSError):
                            client.shutdown(socket.SHUT_RDWR)
                        return
                    passed += len(data)
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()
