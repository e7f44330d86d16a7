"""HTTP requests to a SPARQL engine: bounded in time and size, with credentials from the
environment.

* ``CITYREG_SPARQL_USER`` and ``CITYREG_SPARQL_PASSWORD``: sent (HTTP Basic or Digest, as the
  engine asks) to an engine that requires them; never printed, logged or put in an error.
* ``CITYREG_SPARQL_TIMEOUT``: seconds one request may take (default 600); a request that takes
  longer is abandoned and reported, never waited on for ever.

Every failure is a :class:`~registry.errors.StoreError` (the engine cannot be reached or
answered with a server error) or a :class:`~registry.errors.QueryError` (it refused the query
or update as malformed), with the engine's own words, shortened.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from registry.errors import QueryError, StoreError

USER_VARIABLE = "CITYREG_SPARQL_USER"
PASSWORD_VARIABLE = "CITYREG_SPARQL_PASSWORD"
TIMEOUT_VARIABLE = "CITYREG_SPARQL_TIMEOUT"
DEFAULT_TIMEOUT = 600.0
#: How much of an engine's error text an error message quotes.
_QUOTED = 600


class EngineTimeout(StoreError):
    """The engine did not answer within the request's time limit."""


class AnswerTooLarge(StoreError):
    """The engine's answer was larger than the request may read."""


@dataclass(frozen=True)
class Answer:
    """An engine's answer: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def request_timeout() -> float:
    """Seconds one request may take, from ``CITYREG_SPARQL_TIMEOUT``."""
    text = os.environ.get(TIMEOUT_VARIABLE, "")
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise StoreError(None, f"{TIMEOUT_VARIABLE}={text!r} is not a number of seconds above 0",
                         f"set it to e.g. 600, or unset it for {DEFAULT_TIMEOUT:g} s")
    return value


class Client:
    """Sends form-encoded POSTs to one engine (``base``: scheme, host and port)."""

    def __init__(self, base: str, engine: str, where: str, timeout: float | None = None,
                 max_bytes: int = 0) -> None:
        """``timeout``: seconds per request (default: ``CITYREG_SPARQL_TIMEOUT``);
        ``max_bytes``: the largest answer read (0: no limit)."""
        self.base = base
        self.engine = engine
        self.where = where
        """How errors name the store: the ``--store`` URL."""
        self.timeout = timeout if timeout is not None else request_timeout()
        self.max_bytes = max_bytes
        handlers: list[urllib.request.BaseHandler] = []
        user = os.environ.get(USER_VARIABLE)
        if user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, base, user, os.environ.get(PASSWORD_VARIABLE, ""))
            handlers += [urllib.request.HTTPBasicAuthHandler(passwords),
                         urllib.request.HTTPDigestAuthHandler(passwords)]
        # No proxies: the engine is named by the user, and a registry's data and credentials
        # must not take a detour through whatever proxy the environment names.
        handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def post(self, path: str, fields: list[tuple[str, str]], accept: str,
             query: Mapping[str, str] | None = None) -> Answer:
        """POST ``fields`` form-encoded to ``base + path`` and return the answer.

        Raises StoreError when the engine cannot be reached, takes longer than the timeout or
        answers 5xx with a non-SPARQL failure, and QueryError when it answers 4xx.
        """
        url = self.base + path + ("?" + urlencode(query) if query else "")
        request = urllib.request.Request(
            url, data=urlencode(fields).encode(), method="POST",
            headers={"Accept": accept,
                     "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1) if self.max_bytes else response.read()
                if self.max_bytes and len(body) > self.max_bytes:
                    raise AnswerTooLarge(self.where, f"the {self.engine} engine's answer is "
                                         f"larger than {self.max_bytes:,} bytes",
                                         "add a LIMIT or narrow the patterns")
                headers = {name.lower(): value for name, value in response.headers.items()}
                return Answer(response.status, headers, body)
        except urllib.error.HTTPError as error:
            raise self._refusal(error.code, _quote(error.read())) from None
        except TimeoutError:
            raise EngineTimeout(self.where, f"the {self.engine} engine at {self.base} did not "
                                f"answer within {self.timeout:g} s", f"raise {TIMEOUT_VARIABLE} "
                                "or check that the engine is not overloaded") from None
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreError(self.where, f"cannot reach the {self.engine} engine at "
                             f"{self.base} ({reason})",
                             "start the engine, or check the --store URL") from None

    def _refusal(self, code: int, text: str) -> StoreError | QueryError:
        """The error for an HTTP error status, with the engine's own words."""
        engine = f"the {self.engine} engine at {self.base}"
        if code in (401, 403):
            return StoreError(self.where, f"{engine} refused the credentials (HTTP {code})",
                              f"set {USER_VARIABLE} and {PASSWORD_VARIABLE} to an account "
                              "allowed to query and update")
        if 400 <= code < 500 or _is_sparql_error(text):
            return QueryError(f"{engine} refused the request (HTTP {code}): {text}")
        return StoreError(self.where, f"{engine} failed (HTTP {code}): {text}",
                          "check the engine's log")

    def server_name(self) -> str:
        """The engine's ``Server`` header, from a GET of its root (any status will do)."""
        try:
            with self._opener.open(urllib.request.Request(self.base + "/"),
                                   timeout=self.timeout) as response:
                return str(response.headers.get("Server", ""))
        except urllib.error.HTTPError as error:
            return str(error.headers.get("Server", ""))
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreError(self.where, f"cannot reach the engine at {self.base} ({reason})",
                             "start the engine, or check the --store URL") from None


def _quote(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= _QUOTED else text[:_QUOTED] + " ..."


def _is_sparql_error(text: str) -> bool:
    """Virtuoso answers a SPARQL compile or data error with HTTP 500 and its error code."""
    return "SPARQL compiler" in text or " Error S" in text or " Error 22" in text
