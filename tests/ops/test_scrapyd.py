"""Running on a server, end to end: a real Scrapyd on 127.0.0.1 (with authentication), the project
deployed to it with scrapyd-deploy, and ``newscrawl schedule`` submitting replay crawls of the
Kazinform fixtures; the scheduler is started before Scrapyd is up.

Everything runs on 127.0.0.1 in a temporary folder; every wait is bounded; the processes are
stopped at the end."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from support import FIXTURES, ROOT, SitePage, serving, write_site_warc

from newscrawl.archiving import Archiver
from newscrawl.ops.schedule import IntervalTrigger, Schedule, ScheduledJob, Scheduler
from newscrawl.ops.scrapyd import ScrapydClient, ScrapydError, ScrapydJobs, ScrapydUnavailable
from newscrawl.outlets import article_keys

ARTICLES = FIXTURES / "kazinform" / "articles"
USER = "newscrawl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.2) -> object:
    """Poll ``condition`` until it gives something true, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this checkout on the path or newscrawl's server variables."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("NEWSCRAWL_")}
    env.update(extra)
    return env


def fixture_pages() -> list[SitePage]:
    pages = []
    for expected in sorted(ARTICLES.glob("*.expected.json")):
        data = json.loads(expected.read_text(encoding="utf-8"))
        charset = data.get("encoding") or "utf-8"
        html = ARTICLES / expected.name.replace(".expected.json", ".html")
        pages.append(SitePage(data["url"], html.read_bytes(), content_type=f"text/html; charset={charset}"))
    return pages


def stop(process: subprocess.Popen | None, *, group: bool = False) -> None:
    """End a process this test started (with ``group``: its process group, i.e. Scrapyd and any crawl
    it still runs)."""
    if process is None or process.poll() is not None:
        return
    if group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
        process.wait(timeout=10)


def toml_table(values: dict) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(str(v))}" for k, v in values.items()) + " }"


def write_scrapyd_conf(folder: Path, port: int, password: str) -> None:
    (folder / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
username = {USER}
password = {password}
eggs_dir = {folder / 'eggs'}
logs_dir = {folder / 'logs'}
dbs_dir = {folder / 'dbs'}
items_dir =
jobs_to_keep = 20
max_proc = 4
poll_interval = 0.5
""", encoding="utf-8")


def copy_project(target: Path, url: str, password: str) -> Path:
    """The project as a checkout on a deploying machine: its scrapy.cfg's [deploy] aimed at the test's Scrapyd."""
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "newscrawl", target / "newscrawl", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    config = (ROOT / "scrapy.cfg").read_text(encoding="utf-8")
    config = config.replace("url = http://127.0.0.1:6800\n", f"url = {url.rstrip('/')}\n")
    (target / "scrapy.cfg").write_text(config + f"username = {USER}\npassword = {password}\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    if importlib.util.find_spec("scrapyd") is None or importlib.util.find_spec("scrapyd_client") is None:
        pytest.skip("scrapyd and scrapyd-client are not installed (pip install -e '.[test]')")
    tmp = tmp_path_factory.mktemp("server")
    port, password = free_port(), secrets.token_hex(12)
    url = f"http://127.0.0.1:{port}/"
    pages = fixture_pages()
    ru = [p for p in pages if "/ru/" in p.url or "/rus/" in p.url]
    others = [p for p in pages if p not in ru]
    warc = write_site_warc(tmp / "saved" / "kazinform.warc.gz", pages)
    archive, reports = tmp / "archive", tmp / "reports"

    def job(name: str, group: list[SitePage]) -> str:
        settings = {"REPLAY": warc, "ARCHIVE_DIR": archive, "REPORTS_DIR": reports, "ARCHIVE_FSYNC": "False",
                    "HEALTH_MIN_ITEMS": len(group)}
        return (f"[jobs.{name}]\nspider = \"kazinform\"\nevery = \"1h\"\n"
                f"args = {toml_table({'url': ','.join(p.url for p in group)})}\nsettings = {toml_table(settings)}\n")

    schedule = tmp / "schedule.toml"
    schedule.write_text(f"[scrapyd]\nurl = \"{url}\"\nproject = \"newscrawl\"\n\n[scheduler]\npoll = 0.2\n\n"
                        + job("kazinform-ru", ru) + "\n" + job("kazinform-others", others), encoding="utf-8")
    (tmp / "scrapyd").mkdir()
    write_scrapyd_conf(tmp / "scrapyd", port, password)
    scheduler_log = tmp / "scheduler.log"
    scheduler = scrapyd = None
    try:
        # 1. the scheduler starts while Scrapyd is down
        with open(scheduler_log, "w") as log:
            scheduler = subprocess.Popen(
                [sys.executable, "-m", "newscrawl.cli", "schedule", "--schedule", str(schedule),
                 "--state", str(tmp / "schedule-state.json"), "--max-submissions", "2", "--duration", "240"],
                cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                env=clean_env(PYTHONPATH=str(ROOT), NEWSCRAWL_SCRAPYD_USERNAME=USER,
                              NEWSCRAWL_SCRAPYD_PASSWORD=password))
        wait_until(lambda: "cannot list Scrapyd's jobs" in scheduler_log.read_text(), 60, "the scheduler's first check")

        # 2. Scrapyd comes up (its own folder, its scrapyd.conf), then the project is deployed
        scrapyd = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", f"--pidfile={tmp / 'scrapyd' / 'twistd.pid'}",
             f"--logfile={tmp / 'scrapyd' / 'scrapyd.log'}"],
            cwd=tmp / "scrapyd", env=clean_env(), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = ScrapydClient(url, username=USER, password=password, timeout=10)

        def up() -> bool:
            try:
                return client.daemon_status()["status"] == "ok"
            except Exception:
                return False

        wait_until(up, 60, "Scrapyd to answer")
        project = copy_project(tmp / "checkout", url, password)
        deploy = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy"], cwd=project, env=clean_env(),
                                capture_output=True, text=True, timeout=180)

        # 3. the scheduler submits both jobs, one after the other, and stops
        scheduler.wait(timeout=240)

        def all_done():
            jobs = client.list_jobs("newscrawl")
            return jobs if not jobs.pending and not jobs.running and len(jobs.finished) >= 2 else None

        jobs = wait_until(all_done, 180, "both crawls to finish")
        yield {"tmp": tmp, "url": url, "password": password, "client": client, "deploy": deploy, "jobs": jobs,
               "scheduler_log": scheduler_log.read_text(), "scheduler_returncode": scheduler.returncode,
               "state": json.loads((tmp / "schedule-state.json").read_text()), "ru": ru, "others": others,
               "archive": archive, "reports": reports, "logs": tmp / "scrapyd" / "logs"}
    finally:
        stop(scheduler)
        stop(scrapyd, group=True)


def test_project_deploys_to_scrapyd_with_scrapyd_deploy(server):
    assert server["deploy"].returncode == 0, server["deploy"].stderr
    answer = json.loads(server["deploy"].stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok" and answer["project"] == "newscrawl"
    assert answer["spiders"] == len(SpiderLoader.from_settings(get_project_settings()).list())


def test_scrapy_cfgs_url_serves_scrapyd_clients_projects_and_spiders_commands(server):
    project = server["tmp"] / "checkout"
    assert "url = http://127.0.0.1:" in (project / "scrapy.cfg").read_text(encoding="utf-8")
    projects = subprocess.run([sys.executable, "-m", "scrapyd_client", "projects"], cwd=project, env=clean_env(),
                              capture_output=True, text=True, timeout=60)
    assert projects.returncode == 0, projects.stderr
    assert projects.stdout.split() == ["newscrawl"]
    spiders = subprocess.run([sys.executable, "-m", "scrapyd_client", "spiders", "-p", "newscrawl"], cwd=project,
                             env=clean_env(), capture_output=True, text=True, timeout=60)
    assert spiders.returncode == 0, spiders.stderr
    assert "kazinform" in spiders.stdout.split()


def test_scheduler_keeps_going_while_scrapyd_is_down_then_submits_each_job_once(server):
    log = server["scheduler_log"]
    assert server["scheduler_returncode"] == 0, log
    assert "cannot list Scrapyd's jobs" in log
    assert log.index("cannot list Scrapyd's jobs") < log.index("submitted as Scrapyd job")
    finished = {j["id"] for j in server["jobs"].finished}
    submitted = {state["last_job"] for state in server["state"]["jobs"].values()}
    assert submitted == finished and len(finished) == 2


def test_no_second_job_of_a_spider_starts_while_one_runs(server):
    first, second = sorted(server["jobs"].finished, key=lambda j: j["start_time"])
    assert first["spider"] == second["spider"] == "kazinform"
    # Scrapyd could run four crawls at once (max_proc = 4): the second started only after the first ended
    assert datetime.fromisoformat(second["start_time"]) >= datetime.fromisoformat(first["end_time"])
    log = server["scheduler_log"]
    assert f"job kazinform-others: not submitted, previous job {first['id']} of spider kazinform is still" in log


def test_scheduled_crawls_archive_every_fixture_page(server):
    archive = Archiver.open(server["archive"], fsync=False)
    try:
        pages = server["ru"] + server["others"]
        assert archive.index.count() == len(pages)
        missing = [p.url for p in pages if archive.index.find_url(article_keys(p.url)) is None]
        assert missing == []
    finally:
        archive.close()


def test_each_job_writes_its_report_with_healthy_checks_and_its_log(server):
    reports = sorted((server["reports"] / "kazinform").glob("*.json"))
    jobs = {j["id"] for j in server["jobs"].finished}
    assert {p.stem.split("_", 1)[1] for p in reports} == jobs
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        assert report["reason"] == "finished"
        assert report["health"]["status"] == "passed", report["health"]
        item_count = next(c for c in report["health"]["checks"] if c["name"] == "item_count")
        assert item_count["status"] == "passed"
    for job_id in jobs:
        log = (server["logs"] / "newscrawl" / "kazinform" / f"{job_id}.log").read_text(encoding="utf-8")
        assert "newscrawl.extensions.progress" in log and "all health checks passed" in log


def test_status_reports_the_last_run_and_the_archive(server):
    result = subprocess.run([sys.executable, "-m", "newscrawl.cli", "status", "--reports", str(server["reports"]),
                             "--archive", str(server["archive"]), "--scrapyd", server["url"], "--json"],
                            env=clean_env(PYTHONPATH=str(ROOT), NEWSCRAWL_SCRAPYD_USERNAME=USER,
                                          NEWSCRAWL_SCRAPYD_PASSWORD=server["password"]),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    kazinform = json.loads(result.stdout)["outlets"]["kazinform"]
    last = max(server["jobs"].finished, key=lambda j: j["start_time"])
    assert kazinform["last_run"]["job"] == last["id"]
    assert kazinform["last_run"]["health"] == "passed"
    assert kazinform["recent_runs"] == 2
    assert kazinform["archive"]["records"] == len(server["ru"]) + len(server["others"])
    assert "cannot list Scrapyd's jobs" not in result.stderr  # asked Scrapyd: every finished job wrote a report


def test_scrapyd_refuses_wrong_credentials(server):
    with pytest.raises(ScrapydError, match="401"):
        ScrapydClient(server["url"], username=USER, password="wrong", timeout=10).list_jobs("newscrawl")


# -- the client on its own, against a stand-in on 127.0.0.1
@contextmanager
def stand_in(status: int = 200, answer: dict | None = None) -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1 answering every request with ``answer``; records the requests."""
    requests_seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            requests_seen.append({"method": self.command, "path": self.path, "form": parse_qsl(body),
                                  "auth": self.headers.get("Authorization")})
            data = json.dumps(answer if answer is not None else {"status": "ok", "jobid": "j1"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base:
        yield base, requests_seen


def test_schedule_sends_settings_as_setting_fields_and_arguments_as_fields():
    with stand_in() as (url, seen):
        job = ScrapydClient(url, username="u", password="p").schedule(
            "newscrawl", "kazinform", args={"edition": "ru"}, settings={"REPLAY": "a.warc", "LOG_LEVEL": "INFO"},
            priority=2)
    assert job == "j1"
    request, = seen
    assert (request["method"], request["path"]) == ("POST", "/schedule.json")
    assert request["form"] == [("project", "newscrawl"), ("spider", "kazinform"), ("setting", "REPLAY=a.warc"),
                               ("setting", "LOG_LEVEL=INFO"), ("edition", "ru"), ("priority", "2")]
    assert request["auth"].startswith("Basic ")


def test_list_jobs_tells_a_spiders_pending_or_running_job():
    answer = {"status": "ok", "pending": [{"id": "p1", "spider": "kazinform"}],
              "running": [{"id": "r1", "spider": "totalkz"}], "finished": [{"id": "f1", "spider": "kazinform"}]}
    with stand_in(answer=answer) as (url, seen):
        jobs = ScrapydClient(url).list_jobs("newscrawl")
    assert seen[0]["path"] == "/listjobs.json?project=newscrawl"
    assert jobs.active("kazinform") == ("pending", "p1")
    assert jobs.active("totalkz") == ("running", "r1")
    assert jobs.active("mosru") is None
    assert ScrapydJobs().active("kazinform") is None


def test_a_refusal_is_an_error_and_a_server_failure_or_no_server_means_try_later():
    refusal = {"status": "error", "message": "spider 'x' not found"}
    with stand_in(answer=refusal) as (url, _), pytest.raises(ScrapydError, match="spider 'x' not found"):
        ScrapydClient(url).schedule("newscrawl", "x")
    with stand_in(status=503, answer={}) as (url, _), pytest.raises(ScrapydUnavailable, match="503"):
        ScrapydClient(url).list_jobs("newscrawl")
    with pytest.raises(ScrapydUnavailable):
        ScrapydClient(f"http://127.0.0.1:{free_port()}", timeout=5).daemon_status()


@pytest.mark.parametrize(("answer", "message"), [
    ({"status": "ok"}, "schedule.json: the answer names no jobid"),
    (["not", "an", "object"], "schedule.json: HTTP 200, not a JSON object"),
])
def test_an_answer_without_a_job_id_or_not_an_object_is_an_error_not_a_crash(answer, message):
    with stand_in(answer=answer) as (url, _), pytest.raises(ScrapydError, match=message):
        ScrapydClient(url).schedule("newscrawl", "kazinform")


@contextmanager
def trickling_server(byte_every: float = 0.05, body_bytes: int = 400) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that sends its headers at once, then its JSON body a byte at a
    time (``body_bytes`` bytes, one every ``byte_every`` seconds)."""
    stop_sending = threading.Event()
    body = json.dumps({"status": "ok", "jobid": "j1", "padding": "x" * body_bytes}).encode()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            for byte in body:
                if stop_sending.wait(byte_every):
                    return
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:  # the client gave up
                    return

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base:
        try:
            yield base
        finally:
            stop_sending.set()  # the handlers stop sending before the server stops


def test_an_answer_that_trickles_in_is_cut_off_at_the_calls_deadline():
    # each byte comes well within the read timeout; the whole answer would take 20 s
    with trickling_server() as url:
        client = ScrapydClient(url, timeout=1)
        with pytest.raises(ScrapydUnavailable, match=r"schedule.json: no complete answer within 1s"):
            client.schedule("newscrawl", "kazinform")
        with pytest.raises(ScrapydUnavailable, match=r"listjobs.json: no complete answer within 1s"):
            client.list_jobs("newscrawl")


def test_the_scheduler_defers_a_job_when_scrapyd_answers_too_slowly():
    schedule = Schedule(jobs=(ScheduledJob("kazinform", "kazinform", IntervalTrigger(60)),))
    with trickling_server() as url:
        scheduler = Scheduler(schedule, ScrapydClient(url, timeout=1))
        decision, = scheduler.tick()
    assert decision.action == "deferred"
    assert "no complete answer within 1s" in decision.reason
