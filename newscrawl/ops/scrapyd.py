"""A client of Scrapyd's JSON API for the scheduler: list a project's jobs, submit a job.

scrapyd-client's ``ScrapydClient`` covers the same calls but sets no timeout on its requests; a
scheduler that runs unattended for months must never hang on a stalled Scrapyd, so this client
sends every request through one ``requests`` session with a timeout, and gives each call an overall
deadline too (a read timeout alone lets an answer that trickles in a byte at a time run for ever).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

#: the most of an answer read (Scrapyd's JSON answers are small)
MAX_ANSWER_BYTES = 4 * 1024 * 1024


class ScrapydUnavailable(RuntimeError):
    """Scrapyd could not be reached, timed out or answered with a server error: try again later."""


class ScrapydError(RuntimeError):
    """Scrapyd answered, but refused the request (unknown project or spider, bad credentials, …)."""


@dataclass
class ScrapydJobs:
    """The jobs of one project, as ``listjobs.json`` reports them."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    running: list[dict[str, Any]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)

    def active(self, spider: str) -> tuple[str, str] | None:
        """``(state, job id)`` of a pending or running job of ``spider``, None when it has none."""
        for state, jobs in (("running", self.running), ("pending", self.pending)):
            for job in jobs:
                if job.get("spider") == spider:
                    return state, str(job.get("id"))
        return None


def _why(exc: Exception, timeout: float) -> str:
    """A failed request in a few words."""
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError):
        return f"no answer within {timeout:g}s"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return text


class ScrapydClient:
    """Scrapyd's ``listjobs.json``, ``schedule.json`` and ``daemonstatus.json`` over HTTP, with
    Scrapyd's HTTP basic authentication when a username is given."""

    def __init__(self, url: str, *, username: str | None = None, password: str | None = None,
                 timeout: float = 30.0):
        self.url = url if url.endswith("/") else url + "/"
        self.timeout = timeout
        self.session = requests.Session()
        if username:
            self.session.auth = (username, password or "")

    def _fetch(self, method: str, endpoint: str, **kwargs: Any) -> tuple[requests.Response, bytes]:
        """The answer and its body, read within ``timeout`` seconds in all."""
        deadline = time.monotonic() + self.timeout
        try:
            with self.session.request(method, urljoin(self.url, endpoint), timeout=self.timeout, stream=True,
                                      **kwargs) as response:
                body = bytearray()
                # read1: whatever has arrived, so that the deadline is checked while an answer trickles in
                while chunk := response.raw.read1(8192, decode_content=True):
                    body += chunk
                    if time.monotonic() > deadline:
                        raise ScrapydUnavailable(f"{endpoint}: no complete answer within {self.timeout:g}s")
                    if len(body) > MAX_ANSWER_BYTES:
                        raise ScrapydError(f"{endpoint}: answer longer than {MAX_ANSWER_BYTES} bytes")
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise ScrapydUnavailable(f"{endpoint}: {_why(exc, self.timeout)}") from exc
        return response, bytes(body)

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        response, body = self._fetch(method, endpoint, **kwargs)
        if response.status_code >= 500:
            raise ScrapydUnavailable(f"{endpoint}: HTTP {response.status_code}")
        if response.status_code == 401:
            raise ScrapydError(f"{endpoint}: HTTP 401, Scrapyd refused the credentials")
        try:
            data = json.loads(body)
        except ValueError:
            raise ScrapydError(f"{endpoint}: HTTP {response.status_code}, not a JSON answer") from None
        if not isinstance(data, dict):
            raise ScrapydError(f"{endpoint}: HTTP {response.status_code}, not a JSON object: {str(data)[:80]}")
        if data.get("status") != "ok":
            raise ScrapydError(f"{endpoint}: {data.get('message') or data}")
        return data

    def daemon_status(self) -> dict[str, Any]:
        """``daemonstatus.json``: pending, running and finished job counts."""
        return self._call("GET", "daemonstatus.json")

    def list_jobs(self, project: str) -> ScrapydJobs:
        """``listjobs.json`` of a project."""
        data = self._call("GET", "listjobs.json", params={"project": project})
        return ScrapydJobs(pending=data.get("pending", []), running=data.get("running", []),
                           finished=data.get("finished", []))

    def schedule(self, project: str, spider: str, *, args: Mapping[str, Any] | None = None,
                 settings: Mapping[str, Any] | None = None, priority: float | None = None) -> str:
        """Submit a job (``schedule.json``): spider arguments become ``-a``, settings ``-s``; returns
        the job id."""
        data: list[tuple[str, str]] = [("project", project), ("spider", spider)]
        data += [("setting", f"{key}={value}") for key, value in (settings or {}).items()]
        data += [(key, str(value)) for key, value in (args or {}).items()]
        if priority is not None:
            data.append(("priority", str(priority)))
        answer = self._call("POST", "schedule.json", data=data)
        if not answer.get("jobid"):
            raise ScrapydError(f"schedule.json: the answer names no jobid: {str(answer)[:120]}")
        return str(answer["jobid"])

    def log_tail(self, log_url: str, lines: int = 20, size: int = 16384) -> list[str]:
        """The last ``lines`` lines of a job's log (``log_url`` as ``listjobs.json`` gives it); [] when
        Scrapyd has none."""
        response, body = self._fetch("GET", log_url.lstrip("/"), headers={"Range": f"bytes=-{size}"})
        if response.status_code >= 400:
            return []
        text = body[-size:].decode("utf-8", errors="replace")
        return [line.rstrip() for line in text.splitlines() if line.strip()][-lines:]
