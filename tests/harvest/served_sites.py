"""`cityreg serve --store` on loopback over a copy of some of the seed's cities: the sites
`cityreg harvest` reads in the tests of this folder (the fixture is in conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from registry.resources import seed_dir
from registry.store import Registry


@dataclass
class Site:
    """One served registry: its address, its store folder and its files."""

    url: str
    store: Path
    files: Path
    process: subprocess.Popen[bytes]

    def generation(self) -> int:
        with urllib.request.urlopen(self.url + "healthz", timeout=10) as response:
            return int(json.load(response)["generation"])

    def load(self, *paths: Path) -> None:
        """Load into the served store and wait until the server serves it."""
        before = self.generation()
        with Registry.open(self.store) as registry:
            registry.load(*paths)
        wait(lambda: self.generation() > before, f"{self.url} to serve the load", 120)


def wait(ready: object, what: str, seconds: float = 60) -> None:
    """Until ``ready()`` is true (an OSError counts as not yet)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"waited {seconds} s for {what}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: Path, cities: list[str]) -> Site:
    """A server over a new store of ``cities`` (files of the seed), once it answers."""
    files = folder / "files"
    files.mkdir(parents=True)
    for city in cities:
        shutil.copy(seed_dir() / city, files / city)
    store = folder / "store"
    with Registry.open(store) as registry:
        registry.load(files)
    port = _free_port()
    command = [sys.executable, "-m", "registry", "serve", "--store", str(store), "--port",
               str(port), "--reload-interval", "0.2", "--sparql-workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "CITYREG_PROGRESS": "0"})
    site = Site(f"http://127.0.0.1:{port}/", store, files, process)
    try:
        # the first start on a machine computes the walks of the shapes (about 20 s, cached)
        wait(lambda: site.generation() >= 1, f"cityreg serve on port {port}", 300)
    except BaseException:
        process.kill()
        raise
    return site


@contextmanager
def rio_and_asia(folder: Path) -> Iterator[tuple[Site, Site]]:
    """Rio on one server; Jakarta and Davao on the other; both stopped at the end."""
    started: list[Site] = []
    try:
        started.append(start(folder / "rio", ["rio.ttl"]))
        started.append(start(folder / "asia", ["jakarta.ttl", "davao.ttl"]))
        yield started[0], started[1]
    finally:
        for site in started:
            site.process.terminate()
            try:
                site.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                site.process.kill()

