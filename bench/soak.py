"""Soak test: the public server under a sustained mixed load, on loopback, for a bounded time.

    python bench/soak.py --n 1000 --seconds 300          # the figures in bench/README.md
    python bench/soak.py --n 100 --seconds 20 --warmup 5  # a quick look

It generates the synthetic registry of ``--n`` organisations (bench/generate.py) unless
``--file`` is given, loads it into a store folder with ``cityreg load --store``, starts
``cityreg serve --store`` and, once ``/healthz`` answers, runs ``--clients`` closed-loop
clients (each sends its next request when the last one is answered: the highest rate the
server sustains). Each client has its own loopback address (127.0.0.2, 127.0.0.3, ...), so the
per-client limits apply as they would to separate people. Requests are drawn, with fixed
weights, from five kinds:

* ``trace``: GraphQL ``whoCanAccess`` of a dataset;
* ``list``: GraphQL ``contracts(first: 50)`` with buyers, suppliers and cities;
* ``page``: an entity page (``/id/....html``);
* ``sparql``: a SPARQL SELECT with a LIMIT over the union graph;
* ``dump``: ``/registry.ttl`` (rarely: a whole-registry download).

After ``--warmup`` seconds of the same load, it reads the resident memory (RSS) of the server
process and of its SPARQL workers, runs ``--seconds`` more, reads them again, and prints, as a
table and as JSON: throughput, p50/p99 latency per kind, error counts (anything but 200;
``429`` counted apart as deliberate refusals) and RSS at start and end. Nothing is asserted:
the targets (0 errors other than 429, RSS growth < 10 % after warm-up) are read off the output.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from bench.serve import free_port  # noqa: E402

WEIGHTS = {"trace": 30, "list": 15, "page": 30, "sparql": 20, "dump": 1}
TRACE = """query Trace($source: ID!) {
  whoCanAccess(source: $source) {
    complete fullyDisclosed
    organisations { label grade paths { hops { fromLabel toLabel viaLabel } } }
  }
}"""
LIST = """{ contracts(first: 50) { totalCount
  nodes { id label buyer { label } supplier { label } city { label } } } }"""
SPARQL = [
    "SELECT ?c ?label WHERE { ?c a cityreg:VendorContract ; rdfs:label ?label } LIMIT 50",
    "SELECT ?s (COUNT(?d) AS ?n) WHERE { ?s cityreg:usesDataset ?d } GROUP BY ?s LIMIT 50",
    "SELECT ?c ?d WHERE { ?c cityreg:coversDataset ?d ; cityreg:supplier ?s } LIMIT 100",
]
BASE = "https://w3id.org/cityreg/id/"


class Client:
    """One closed-loop client on its own loopback address."""

    def __init__(self, port: int, address: str, datasets: list[str], seed: int) -> None:
        self.port = port
        self.address = address
        self.datasets = datasets
        self.random = random.Random(seed)
        self.connection = self._connect()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.failures: Counter[str] = Counter()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120,
                                          source_address=(self.address, 0))

    def request(self) -> None:
        """Send one request of a kind drawn by the weights and record how it went."""
        kind = self.random.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        method, path, body, headers = self._build(kind)
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            payload = answer.read()
            status = answer.status
            if status == 200 and kind in ("trace", "list") and b'"errors"' in payload[:20]:
                status = 299  # a GraphQL error inside a 200
        except (OSError, http.client.HTTPException) as error:
            self.failures[f"{kind}: {type(error).__name__}"] += 1
            self.connection.close()
            self.connection = self._connect()
            return
        self.latencies[kind].append(time.perf_counter() - started)
        self.statuses[(kind, status)] += 1
        if answer.getheader("connection", "").lower() == "close":
            self.connection.close()
            self.connection = self._connect()

    def _build(self, kind: str) -> tuple[str, str, bytes | None, dict[str, str]]:
        dataset = self.random.choice(self.datasets)
        if kind == "trace":
            body = json.dumps({"query": TRACE, "variables": {"source": dataset}}).encode()
            return "POST", "/graphql", body, {"content-type": "application/json"}
        if kind == "list":
            body = json.dumps({"query": LIST}).encode()
            return "POST", "/graphql", body, {"content-type": "application/json"}
        if kind == "page":
            return "GET", "/id/" + dataset[len(BASE):] + ".html", None, {}
        if kind == "sparql":
            query = quote(self.random.choice(SPARQL))
            return ("GET", f"/sparql?query={query}", None,
                    {"accept": "application/sparql-results+json"})
        return "GET", "/registry.ttl", None, {}


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s direct children."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def memory(pid: int) -> dict[str, float]:
    """RSS of the server process and of its workers together."""
    workers = sum(rss_mb(child) for child in children(pid))
    return {"server_mb": rss_mb(pid), "workers_mb": workers}


def run_clients(clients: list[Client], seconds: float) -> None:
    """Every client sends requests, one after another, for ``seconds``."""
    deadline = time.monotonic() + seconds

    def loop(client: Client) -> None:
        while time.monotonic() < deadline:
            client.request()

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait_healthy(port: int, server: subprocess.Popen[bytes], limit: float) -> None:
    """Wait until ``/healthz`` answers (validation of a large registry takes a while)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"cityreg serve exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"cityreg serve did not answer /healthz within {limit:g} s")


def datasets_of(port: int, count: int) -> list[str]:
    """Dataset IRIs to trace and show, read through the API itself."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"query": f"{{ datasets(first: {count}) {{ nodes {{ id }} }} }}"})
    connection.request("POST", "/graphql", body=body,
                       headers={"content-type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    return [node["id"] for node in answer["data"]["datasets"]["nodes"]]


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(clients: list[Client], seconds: float, start: dict[str, float],
           end: dict[str, float], setup: dict[str, float]) -> dict[str, Any]:
    """The figures of the measured run."""
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[tuple[str, int]] = Counter()
    failures: Counter[str] = Counter()
    for client in clients:
        for kind, values in client.latencies.items():
            latencies[kind] += values
        statuses.update(client.statuses)
        failures.update(client.failures)
    kinds = {}
    for kind in WEIGHTS:
        values = latencies.get(kind, [])
        kinds[kind] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1) if values else None,
            "p99_ms": round(percentile(values, 0.99) * 1000, 1) if values else None,
            "ok": statuses[(kind, 200)],
            "refused_429": statuses[(kind, 429)],
            "errors": sum(n for (k, status), n in statuses.items()
                          if k == kind and status not in (200, 429)),
        }
    total = sum(len(v) for v in latencies.values())
    growth = ((end["server_mb"] + end["workers_mb"]) / (start["server_mb"] + start["workers_mb"])
              - 1) * 100
    return {"seconds": seconds, "clients": len(clients), "requests": total,
            "rps": round(total / seconds, 1), "kinds": kinds,
            "errors": sum(k["errors"] for k in kinds.values()) + sum(failures.values()),
            "transport_failures": dict(failures), "refused_429": sum(
                k["refused_429"] for k in kinds.values()),
            "rss_start": start, "rss_end": end, "rss_growth_percent": round(growth, 1),
            **setup}


def print_table(figures: dict[str, Any]) -> None:
    """The figures as a Markdown table, then as JSON."""
    print(f"\n{figures['requests']} requests in {figures['seconds']:g} s from "
          f"{figures['clients']} clients: {figures['rps']} requests/s; errors "
          f"{figures['errors']}, deliberate 429s {figures['refused_429']}")
    print("\n| kind | requests | p50 ms | p99 ms | 200 | 429 | errors |")
    print("|---|---|---|---|---|---|---|")
    for kind, row in figures["kinds"].items():
        print(f"| {kind} | {row['requests']} | {row['p50_ms']} | {row['p99_ms']} | "
              f"{row['ok']} | {row['refused_429']} | {row['errors']} |")
    start, end = figures["rss_start"], figures["rss_end"]
    print(f"\nRSS after warm-up: server {start['server_mb']:.0f} MB + workers "
          f"{start['workers_mb']:.0f} MB; at the end: server {end['server_mb']:.0f} MB + "
          f"workers {end['workers_mb']:.0f} MB ({figures['rss_growth_percent']:+.1f} %)")
    print(json.dumps(figures, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="organisations (generated)")
    parser.add_argument("--file", type=Path, help="a registry file instead of generating one")
    parser.add_argument("--seconds", type=float, default=300, help="measured duration")
    parser.add_argument("--warmup", type=float, default=30, help="unmeasured load first")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cityreg-soak-") as scratch:
        source = args.file
        if source is None:
            source = Path(scratch) / f"registry-{args.n}.ttl"
            generate(args.n, source)
        store = Path(scratch) / "store"
        cityreg = [sys.executable, "-c", "from registry.cli import main; main()"]
        started = time.perf_counter()
        subprocess.run([*cityreg, "load", str(source), "--store", str(store)], check=True,
                       stdout=subprocess.DEVNULL)
        load_s = time.perf_counter() - started
        port = free_port()
        started = time.perf_counter()
        server = subprocess.Popen([*cityreg, "serve", "--store", str(store), "--port",
                                   str(port), "--as-of", "2026-01-01"],
                                  stdout=subprocess.DEVNULL)
        try:
            wait_healthy(port, server, 1800)
            serve_s = time.perf_counter() - started
            datasets = datasets_of(port, 200)
            clients = [Client(port, f"127.0.0.{2 + n}", datasets, n) for n in range(args.clients)]
            run_clients(clients, args.warmup)
            clients = [Client(port, f"127.0.0.{2 + n}", datasets, 100 + n)
                       for n in range(args.clients)]
            start = memory(server.pid)
            run_clients(clients, args.seconds)
            end = memory(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
    print_table(report(clients, args.seconds, start, end,
                       {"load_s": round(load_s, 1), "serve_ready_s": round(serve_s, 1)}))


if __name__ == "__main__":
    main()
