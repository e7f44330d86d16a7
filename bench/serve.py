"""Server throughput: trace requests per second against uvicorn on loopback.

``phase_serve`` starts ``python bench/serve.py FILE PORT`` (uvicorn serving the cityreg app over
the registry in FILE), waits for ``/healthz``, then keeps ``concurrency`` httpx clients (one
thread each) posting trace queries for ``seconds`` seconds and counts the answers. The client
shares the machine's cores with the server, so the figure is a floor. The server's peak RSS is
read from /proc before it is stopped.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def phase_serve(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from bench.phases import registry, sources

    picked = sources(registry(path), options["sources"])
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(Path(__file__)), str(path), str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=5) as probe:
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"the server exited with {server.returncode} before "
                                     "answering /healthz")
                try:
                    if probe.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        setup = time.perf_counter() - started
        counts, errors = throughput(f"{url}/graphql", picked, options["concurrency"],
                                    options["seconds"])
        rss = server_peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"rps": counts / options["seconds"], "requests": counts, "errors": errors,
            "setup_s": setup, "rss_mb": rss, "concurrency": options["concurrency"]}


def throughput(url: str, picked: list[str], concurrency: int, seconds: float) -> tuple[int, int]:
    """Requests answered (status 200, no GraphQL errors) within ``seconds``, and failures."""
    import httpx

    from bench.phases import TRACE_QUERY

    deadline = time.perf_counter() + seconds
    done = [0] * concurrency
    failed = [0] * concurrency

    def client(slot: int) -> None:
        with httpx.Client(timeout=10) as http:
            k = slot
            while time.perf_counter() < deadline:
                body = {"query": TRACE_QUERY, "variables": {"source": picked[k % len(picked)]}}
                answer = http.post(url, json=body)
                if answer.status_code == 200 and "errors" not in answer.json():
                    done[slot] += 1
                else:
                    failed[slot] += 1
                k += concurrency

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), sum(failed)


def serve(path: Path, port: int) -> None:
    """Serve the registry in ``path`` on 127.0.0.1:``port`` until terminated."""
    import uvicorn

    from bench.phases import AS_OF, registry
    from registry.api.app import create_app
    from registry.context import RegistryContext

    app = create_app(RegistryContext(registry(path), as_of=AS_OF))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        sys.exit("usage: python bench/serve.py FILE PORT (bench/phases.py serve starts it)")
    serve(Path(sys.argv[1]), int(sys.argv[2]))
