"""`cityreg trace`, `cityreg export-schema` and a real `cityreg serve` process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.api import schema
from registry.cli import main
from tests.api.conftest import TESTVILLE

T = "https://w3id.org/cityreg/id/testville/"


def test_trace_text_output() -> None:
    result = CliRunner().invoke(main, ["trace", "Traffic counts", str(TESTVILLE)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Who can access Traffic counts <{T}counts>\n\n"
        f"Testville Council <{T}council>: 1 path\n"
        "  1. Traffic counts\n"
        "     Traffic counts → Testville Council via Traffic counts (publisher: publisher)\n\n"
        f"MobilityCo <{T}mobility>: 1 path\n"
        "  1. Traffic counts\n"
        "     Traffic counts → Testville Council via Traffic counts (publisher: publisher)\n"
        "     Testville Council → MobilityCo via Council–MobilityCo data swap (recipient: "
        "recipient, 2021-03-01..…, onward sharing not disclosed)\n\n"
        "2 organisations, 2 paths; complete.\n")


def test_trace_json_and_errors() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["trace", T + "cams", str(TESTVILLE), "--format", "json",
                                  "--max-paths", "2"])
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert answer["complete"] is False
    assert answer["truncatedAt"] == {"reason": "max_paths", "limit": 2}
    missing = runner.invoke(main, ["trace", "Atlantis", str(TESTVILLE)])
    assert missing.exit_code == 2
    assert missing.output.startswith("Error: no sensor, deployment, system, dataset or "
                                     "organisation 'Atlantis' in the registry")
    bad_date = runner.invoke(main, ["trace", "Traffic counts", str(TESTVILLE), "--as-of", "x"])
    assert bad_date.exit_code == 2
    assert "--as-of 'x' is not a date: expected YYYY-MM-DD" in bad_date.output


def test_export_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    result = CliRunner().invoke(main, ["export-schema", "--out", str(out)])
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text == str(schema).rstrip("\n") + "\n"
    assert result.output == f"Wrote {out} ({text.count(chr(10))} lines).\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_answers_over_real_http() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from registry.cli import main; main()", "serve",
         str(TESTVILLE), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    assert json.load(answer)["status"] == "ok"
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql", method="POST",
            data=json.dumps({"query": f'{{ whoCanAccess(source: "{T}counts") '
                                      "{ organisations { label } } }"}).encode(),
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            assert json.load(answer) == {"data": {"whoCanAccess": {"organisations": [
                {"label": "Testville Council"}, {"label": "MobilityCo"}]}}}
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        process.stderr.close()
