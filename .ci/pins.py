"""The pinned versions CI tests, and a canary that tries the newest releases.

    python .ci/pins.py lock     write constraints.txt: every package a fresh install resolves
                                to today (runtime, test tools, build backend), and pin the
                                build backend in pyproject.toml to the same version
    python .ci/pins.py check    compare this environment with constraints.txt; exit 1 when a
                                pinned package is installed at another version
    python .ci/pins.py canary   run the tests against the newest releases in a new virtual
                                environment; name the upgrades that break them; never fail
    python .ci/pins.py lowest   run the tests on the oldest versions pyproject.toml allows
                                (uv's lowest-direct resolution): are its lower bounds honest?

`pip install -c constraints.txt ...` (the README's two commands and `.ci/run`) installs what CI
tested. A constraints file reaches only the packages pip installs for the project, not the
isolated environment that builds it, so the build backend is pinned in pyproject.toml's
[build-system] instead, by `lock`, to the version it writes into constraints.txt.

Only the standard library is used: the script runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / "constraints.txt"
PYPROJECT = REPO / "pyproject.toml"
PROJECT = "cityreg"
#: The [build-system] line that `lock` rewrites: the backend and its one exact pin.
BUILD_REQUIRES = re.compile(r'^requires = \["hatchling(?:[=<>!~][^"]*)?"\]$', re.MULTILINE)
#: How long one pytest run of the canary may take. The whole suite takes about 11 minutes on
#: CI's 2-core machine, and the pinned run after the canary runs all of it: the canary runs
#: the tests that need no engine or browser and are not slow (:data:`CANARY_TESTS`), so that
#: CI keeps within 20 minutes.
PYTEST_LIMIT_S = 480.0
#: Which tests the canary runs (pytest arguments): the many quick ones, where a release that
#: changes an API shows; the pinned run that decides runs every test.
CANARY_TESTS = ("-m", "not slow and not heavy", "--ignore=tests/remote")
#: How long the canary may spend holding packages back one at a time to find a culprit.
ATTRIBUTION_BUDGET_S = 240.0
#: The prefix of every line the canary prints from its pytest run, so that CI's reader never
#: mistakes the canary's closing line for the pinned run's.
CANARY_PREFIX = "canary | "


# -- versions -----------------------------------------------------------------------------------

def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them (``SPARQLWrapper`` == ``sparqlwrapper``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(text: str) -> dict[str, tuple[str, str]]:
    """``name==version`` lines (a constraints file or ``pip freeze``) by canonical name.

    Each value is the name as written and the version. Comments, blank lines and lines that
    are not an exact pin (editable installs, direct references) are left out.
    """
    pins: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if match:
            pins[canonical(match.group(1))] = (match.group(1), match.group(2))
    return pins


@dataclass
class Drift:
    """How the newest releases differ from the pins."""

    #: canonical name -> (name, pinned version, newest version)
    upgraded: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    #: packages the newest resolution brings that the pins do not have
    added: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: pinned packages the newest resolution no longer needs
    dropped: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.upgraded or self.added or self.dropped)

    def lines(self) -> list[str]:
        """One line per package, as a maintainer reads a diff of constraints.txt."""
        out = [f"{name} {pinned} -> {newest}" for name, pinned, newest
               in sorted(self.upgraded.values(), key=lambda item: canonical(item[0]))]
        out += [f"{name} {version} (new: not in constraints.txt)"
                for name, version in sorted(self.added.values())]
        out += [f"{name} {version} (no longer installed)"
                for name, version in sorted(self.dropped.values())]
        return out


def drift(pins: dict[str, tuple[str, str]], newest: dict[str, tuple[str, str]]) -> Drift:
    """Compare the pinned set with a newest resolution (the build backend's pins included)."""
    found = Drift()
    for key, (name, version) in newest.items():
        if key not in pins:
            found.added[key] = (name, version)
        elif pins[key][1] != version:
            found.upgraded[key] = (name, pins[key][1], version)
    for key, (name, version) in pins.items():
        if key not in newest:
            found.dropped[key] = (name, version)
    return found


# -- virtual environments -----------------------------------------------------------------------

def pip_environment() -> dict[str, str]:
    """The environment for a pip that must see every release: no constraints of the caller's."""
    env = dict(os.environ)
    env.pop("PIP_CONSTRAINT", None)
    env.pop("VIRTUAL_ENV", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


class Venv:
    """A throwaway virtual environment with the project installed from its newest releases."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.python = folder / "bin" / "python"

    def create(self) -> None:
        subprocess.run([sys.executable, "-m", "venv", str(self.folder)], check=True)

    def pip(self, *args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.python), "-m", "pip", *args, *(["-q"] if quiet else [])]
        return subprocess.run(command, env=pip_environment(), text=True, capture_output=True,
                              check=False)

    def install_newest(self, editable: bool) -> None:
        """The newest build backend, then the project with its test extra, built with it.

        An editable build asks hatchling's hook for ``editables`` too; without build isolation
        pip does not install what a hook asks for, so it is installed here (and pinned).
        """
        build = self.pip("install", "--upgrade", "hatchling", "editables")
        if build.returncode != 0:
            raise RuntimeError(f"pip could not install hatchling:\n{build.stderr.strip()}")
        target = ["-e", f"{REPO}[test]"] if editable else [f"{REPO}[test]"]
        done = self.pip("install", "--no-build-isolation", *target)
        if done.returncode != 0:
            raise RuntimeError(f"pip could not install the project:\n{done.stderr.strip()}")

    def test_environment(self) -> dict[str, str]:
        """The caller's environment with this venv's tools first (tests that run ``cityreg``)."""
        env = dict(os.environ, PATH=f"{self.folder / 'bin'}{os.pathsep}{os.environ['PATH']}")
        env.pop("VIRTUAL_ENV", None)
        return env

    def freeze(self) -> dict[str, tuple[str, str]]:
        """Every installed distribution but the project itself and pip's own tools."""
        done = self.pip("freeze", "--exclude-editable", quiet=False)
        if done.returncode != 0:
            raise RuntimeError(f"pip freeze failed:\n{done.stderr.strip()}")
        pins = parse_pins(done.stdout)
        pins.pop(canonical(PROJECT), None)
        return pins


# -- lock ---------------------------------------------------------------------------------------

def constraints_text(pins: dict[str, tuple[str, str]], today: date, python: str,
                     machine: str) -> str:
    header = (
        "# The versions CI tested: every package a fresh install of cityreg resolves to, with\n"
        "# its test tools and its build backend. Install with `pip install -c constraints.txt`.\n"
        "# Generated by `python .ci/pins.py lock`; do not edit by hand.\n"
        f"# Resolved on {today.isoformat()} with Python {python} on {machine}: a package that\n"
        "# only another platform needs (colorama on Windows) is not pinned here.\n"
    )
    body = "".join(f"{name}=={version}\n" for name, version
                   in sorted(pins.values(), key=lambda item: canonical(item[0])))
    return header + body


def pin_build_backend(pyproject: str, version: str) -> str:
    """pyproject.toml's text with [build-system] requiring exactly ``hatchling==version``."""
    updated, count = BUILD_REQUIRES.subn(f'requires = ["hatchling=={version}"]', pyproject)
    if count != 1:
        raise RuntimeError('pyproject.toml: expected one line `requires = ["hatchling..."]` '
                           "in [build-system]; restore it and run `lock` again")
    return updated


def lock() -> int:
    with tempfile.TemporaryDirectory(prefix="cityreg-lock-") as folder:
        venv = Venv(Path(folder) / "venv")
        venv.create()
        venv.install_newest(editable=False)
        pins = venv.freeze()
    if canonical("hatchling") not in pins:
        raise RuntimeError("the new environment has no hatchling: cannot pin the build backend")
    old = parse_pins(CONSTRAINTS.read_text(encoding="utf-8")) if CONSTRAINTS.exists() else {}
    CONSTRAINTS.write_text(constraints_text(pins, date.today(), platform.python_version(),
                                            f"{platform.system()} {platform.machine()}"),
                           encoding="utf-8")
    hatchling = pins[canonical("hatchling")][1]
    PYPROJECT.write_text(pin_build_backend(PYPROJECT.read_text(encoding="utf-8"), hatchling),
                         encoding="utf-8")
    changes = drift(old, pins).lines()
    print(f"wrote {CONSTRAINTS.name}: {len(pins)} packages; build backend hatchling=={hatchling}")
    print("\n".join(f"  {line}" for line in changes) if changes else "  (no change)")
    return 0


# -- check --------------------------------------------------------------------------------------

def project_closure(project: str = PROJECT, extras: frozenset[str] = frozenset({"test"})
                    ) -> dict[str, str]:
    """Every installed distribution the project with ``extras`` needs, by canonical name.

    Follows the installed metadata from the project down, markers evaluated for this Python,
    so that packages installed here for other reasons (a system Python's own) are left out.
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    wanted: dict[str, set[str]] = {}
    queue: list[tuple[str, frozenset[str]]] = [(project, extras)]
    while queue:
        name, asked = queue.pop()
        key = canonical(name)
        if key in wanted and asked <= wanted[key]:
            continue
        wanted.setdefault(key, set()).update(asked)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[key] = dist.version
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": extra})
                                     for extra in (asked or {""})):
                queue.append((requirement.name, frozenset(requirement.extras)))
    return found


def mismatches(pins: dict[str, tuple[str, str]], installed: dict[str, str]) -> list[str]:
    """Installed packages at another version than their pin, or with no pin at all."""
    wrong = [f"{name}: pinned {version}, installed {installed[key]}"
             for key, (name, version) in sorted(pins.items())
             if key in installed and installed[key] != version]
    wrong += [f"{key}: installed {version}, not in constraints.txt"
              for key, version in sorted(installed.items()) if key not in pins]
    return wrong


def check() -> int:
    pins = parse_pins(CONSTRAINTS.read_text(encoding="utf-8"))
    installed = project_closure()
    installed.pop(canonical(PROJECT), None)
    wrong = mismatches(pins, installed)
    if wrong:
        print("constraints.txt is not what is installed here:", *wrong, sep="\n  ")
        print("install with `pip install -c constraints.txt -e \".[test]\"`, or run "
              "`python .ci/pins.py lock` when pyproject.toml's dependencies changed")
        return 1
    print(f"pinned: the {len(installed)} packages cityreg[test] needs are at their pins")
    return 0


# -- canary -------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What one pytest run said: its closing line and how many tests failed or erred."""

    summary: str
    failed: int


def closing_outcome(output: str) -> Outcome:
    """Read pytest's closing line (``=== 2 failed, 10 passed in 3.1s ===`` or ``-q``'s)."""
    for line in reversed(output.splitlines()):
        text = line.strip().strip("=").strip()
        if re.search(r"\b\d+ (passed|failed|errors?|skipped|deselected)\b", text) or (
                text.startswith("no tests ran")):
            failed = sum(int(count) for count, _ in
                         re.findall(r"\b(\d+) (failed|errors?)\b", text))
            return Outcome(text, failed)
    return Outcome("pytest printed no closing line", -1)


@dataclass
class Suspect:
    """One upgraded package held back at its pin, and how many of the failures then pass."""

    name: str
    pinned: str
    newest: str
    fixed: int | None  # None: it could not be held back
    note: str = ""


def attribute(upgraded: Iterable[tuple[str, str, str]], failing: int,
              rerun_failed_with: Callable[[str, str], Outcome | str],
              budget_s: float, clock: Callable[[], float] = time.monotonic
              ) -> tuple[list[Suspect], list[str]]:
    """Hold each upgraded package back at its pin, one at a time, and rerun the failed tests.

    ``rerun_failed_with(name, version)`` installs that one version, reruns the tests that
    failed, and puts the newest back; it returns their outcome, or a reason it could not.
    A package that makes failures pass when held back is a culprit. Returns the suspects
    tried, most failures fixed first, and the packages the time budget left untried.
    """
    start = clock()
    tried: list[Suspect] = []
    untried: list[str] = []
    for name, pinned, newest in upgraded:
        if clock() - start > budget_s:
            untried.append(f"{name} {newest}")
            continue
        result = rerun_failed_with(name, pinned)
        if isinstance(result, str):
            tried.append(Suspect(name, pinned, newest, None, result))
        elif result.failed >= 0:
            tried.append(Suspect(name, pinned, newest, max(failing - result.failed, 0)))
        else:
            tried.append(Suspect(name, pinned, newest, None, result.summary))
    tried.sort(key=lambda suspect: (-(suspect.fixed or 0), canonical(suspect.name)))
    return tried, untried


def verdict(failing: int, suspects: list[Suspect], untried: list[str]) -> list[str]:
    """What the canary concludes, one line each."""
    culprits = [s for s in suspects if s.fixed]
    lines = []
    for suspect in culprits:
        lines.append(f"{suspect.name} {suspect.newest} (pinned {suspect.pinned}): held at "
                     f"{suspect.pinned}, {suspect.fixed} of the {failing} failing tests pass")
    if not culprits:
        lines.append("no single upgrade, held back alone, makes a failing test pass: "
                     "several releases together, or a test that fails by chance")
    elif max(s.fixed or 0 for s in culprits) < failing:
        lines.append(f"no one upgrade held back makes all {failing} pass: the others fail with "
                     "several releases together, or for a reason the pins do not hold")
    for suspect in suspects:
        if suspect.fixed is None:
            lines.append(f"{suspect.name} {suspect.newest}: could not be held at "
                         f"{suspect.pinned} ({suspect.note})")
    if untried:
        lines.append(f"not tried, out of time: {', '.join(untried)}")
    return lines


def canary() -> int:
    """Never fails CI: every problem, its own included, is printed and the exit code is 0."""
    print("canary: the tests against the newest releases (this run never fails CI; the "
          "pinned run decides)")
    try:
        run_canary()
    except Exception as error:  # the canary reports and never blocks
        print(f"canary: could not finish: {type(error).__name__}: {error}")
    return 0


def run_canary() -> None:
    pins = parse_pins(CONSTRAINTS.read_text(encoding="utf-8"))
    folder = Path(tempfile.mkdtemp(prefix="cityreg-canary-"))
    try:
        venv = Venv(folder / "venv")
        venv.create()
        venv.install_newest(editable=True)
        changes = drift(pins, venv.freeze())
        if changes:
            print("canary: newest releases that differ from constraints.txt:")
            print("\n".join(f"  {line}" for line in changes.lines()))
        else:
            # The pinned run that follows tests exactly these versions: a second run of the
            # whole suite would only double CI's time (about 9 minutes on a 2-core machine).
            print("canary: the newest releases are the pinned ones; the pinned run tests them")
            return
        cache = folder / "pytest-cache"
        env = venv.test_environment()
        base = [str(venv.python), "-m", "pytest", "-o", f"cache_dir={cache}", "--tb=line",
                *CANARY_TESTS]
        outcome = run_pytest(base, env, echo=True)
        if outcome.failed == 0:
            print(f"canary: passed with the newest releases ({outcome.summary})")
            return
        if outcome.failed < 0:
            print(f"canary: pytest did not finish ({outcome.summary})")
            return
        print(f"canary: {outcome.failed} tests fail with the newest releases ({outcome.summary})")
        if not changes.upgraded:
            print("canary: no pinned package was upgraded: none can be held back to explain them")
            return

        def rerun_failed_with(name: str, version: str) -> Outcome | str:
            held = venv.pip("install", "--no-deps", f"{name}=={version}")
            if held.returncode != 0:
                return (held.stderr.strip().splitlines() or ["pip failed"])[-1]
            try:
                scratch = folder / "pytest-cache-rerun"
                shutil.rmtree(scratch, ignore_errors=True)
                shutil.copytree(cache, scratch)
                rerun = [str(venv.python), "-m", "pytest", "-o", f"cache_dir={scratch}",
                         "-n", "0", "-q", "--lf", "--last-failed-no-failures", "none"]
                return run_pytest(rerun, env, echo=False)
            finally:
                newest = changes.upgraded[canonical(name)][2]
                venv.pip("install", "--no-deps", f"{name}=={newest}")

        suspects, untried = attribute(
            sorted(changes.upgraded.values(), key=lambda item: canonical(item[0])),
            outcome.failed, rerun_failed_with, ATTRIBUTION_BUDGET_S)
        print("canary: which upgrade breaks them:")
        print("\n".join(f"  {line}" for line in verdict(outcome.failed, suspects, untried)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_pytest(command: list[str], env: dict[str, str], echo: bool,
               prefix: str = CANARY_PREFIX) -> Outcome:
    """Run pytest in its own process group, killed whole (xdist workers too) at the limit."""
    process = subprocess.Popen(command, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=PYTEST_LIMIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        output += f"\npytest stopped after {PYTEST_LIMIT_S:.0f} s"
    if echo:
        for line in output.splitlines():
            print(f"{prefix}{line}")
    return closing_outcome(output)


# -- lowest -------------------------------------------------------------------------------------

def lowest() -> int:
    """The tests on the lowest version of each direct dependency, the newest of the rest.

    pip cannot resolve to the lowest versions, so uv (a PyPI package) is installed into the
    throwaway environment and resolves there. Exit code: pytest's.
    """
    with tempfile.TemporaryDirectory(prefix="cityreg-lowest-") as folder:
        venv = Venv(Path(folder) / "venv")
        venv.create()
        tool = venv.pip("install", "uv")
        if tool.returncode != 0:
            raise RuntimeError(f"pip could not install uv:\n{tool.stderr.strip()}")
        done = subprocess.run(
            [str(venv.folder / "bin" / "uv"), "pip", "install", "--quiet", "--python",
             str(venv.python), "--resolution", "lowest-direct", "--compile-bytecode",
             "-e", f"{REPO}[test]"], env=pip_environment(), text=True, capture_output=True,
            check=False)
        if done.returncode != 0:
            raise RuntimeError(f"uv could not resolve the lower bounds:\n{done.stderr.strip()}")
        installed = venv.freeze()
        print("lowest: the direct dependencies at their lower bounds:")
        for requirement in direct_requirements():
            name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
            found = installed.get(canonical(name), (name, "not installed"))
            print(f"  {requirement}: {found[1]}")
        outcome = run_pytest([str(venv.python), "-m", "pytest", "-o",
                              f"cache_dir={Path(folder) / 'cache'}", "--tb=line"],
                             venv.test_environment(), echo=True, prefix="lowest | ")
        print(f"lowest: {outcome.summary}")
        return 0 if outcome.failed == 0 else 1


def direct_requirements() -> list[str]:
    """The project's dependencies and its test extra, as pyproject.toml writes them."""
    import tomllib
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


# -- command line -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python .ci/pins.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["lock", "check", "canary", "lowest"])
    action = parser.parse_args(argv).action
    if action == "canary":
        return canary()
    try:
        return {"lock": lock, "check": check, "lowest": lowest}[action]()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
