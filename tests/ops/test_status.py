"""``newscrawl status``: last run, health and archive growth per outlet."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler

import pytest
from support import SitePage, serving, write_site_warc

from newscrawl.archiving import Archiver
from newscrawl.cli import main
from newscrawl.items import Article
from newscrawl.ops.status import collect_status, default_index_path, render_status

NOW = datetime(2025, 8, 15, 12, 0, tzinfo=timezone.utc)


def article(n: int, fetched: datetime, outlet: str = "kazinform") -> Article:
    return Article(url=f"https://www.inform.kz/ru/novost-{n:06x}", outlet=outlet, edition="ru",
                   title=f"Новость номер {n}", timezone="Asia/Almaty", language="ru", fetched_at=fetched,
                   body=f"АСТАНА. KAZINFORM – Событие номер {n} произошло в столице.\nПодробности события {n}.")


def write_report(folder, name: str, *, job: str, health: str, archived: int, failed=()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    checks = [{"name": "item_count", "status": "passed", "message": f"{archived} articles extracted"},
              *({"name": c, "status": "failed", "message": f"{c} too low"} for c in failed)]
    report = {"spider": "kazinform", "reason": "finished", "job": job, "written_at": name,
              "arguments": {"editions": ["ru"], "since": "None", "urls": []},
              "stats": {"item_scraped_count": archived, "newscrawl/archived": archived, "response_received_count": 9,
                        "elapsed_time_seconds": 12.5, "finish_time": name},
              "health": {"status": health, "failed": list(failed), "checks": checks,
                         "alerts": {"webhook": "sent (HTTP 200)"} if failed else {}}}
    (folder / f"{name}_{job}.json").write_text(json.dumps(report), encoding="utf-8")


def make_setup(tmp_path):
    archive = Archiver.open(tmp_path / "archive", fsync=False)
    for n, age in enumerate([timedelta(hours=2), timedelta(hours=30), timedelta(days=3), timedelta(days=30)]):
        archive.add(article(n, NOW - age))
    archive.close()
    reports = tmp_path / "reports"
    write_report(reports / "kazinform", "20250815T100000Z", job="j1", health="passed", archived=3)
    write_report(reports / "kazinform", "20250815T110000Z", job="j2", health="failed", archived=1,
                 failed=["field_coverage"])
    return reports, default_index_path(tmp_path / "archive")


def test_status_shows_the_last_run_its_health_and_the_archive_growth(tmp_path):
    reports, index = make_setup(tmp_path)
    status = collect_status(reports, index, spiders=["kazinform", "totalkz"], now=NOW)
    kazinform = status["outlets"]["kazinform"]
    last = kazinform["last_run"]
    assert (last["job"], last["health"], last["failed_checks"], last["archived"]) == ("j2", "failed",
                                                                                       ["field_coverage"], 1)
    assert (kazinform["recent_runs"], kazinform["recent_healthy"], kazinform["recent_unhealthy"]) == (2, 1, 1)
    assert kazinform["archive"] == {"records": 4, "last_day": 1, "last_week": 3}
    assert status["outlets"]["totalkz"]["last_run"] is None


def test_status_is_one_line_per_outlet_with_its_last_run_health_growth_and_next_due(tmp_path):
    reports, index = make_setup(tmp_path)
    status = collect_status(reports, index, spiders=["kazinform", "totalkz", "mosru"], now=NOW,
                            next_due={"kazinform": NOW + timedelta(minutes=30)}, scheduled=["kazinform", "totalkz"])
    lines = render_status(status).splitlines()
    assert lines == [
        "OUTLET     LAST RUN                    HEALTH    ARTICLES  RECORDS +1 DAY +7 DAYS  NEXT DUE",
        "kazinform  2025-08-15 11:00 (1h ago)   FAILED           1        4     +1     +3  12:30 (in 30m)"
        "  << unhealthy: field_coverage",
        "mosru      never reported              -                -        0     +0     +0  not scheduled",
        "totalkz    never reported              -                -        0     +0     +0  scheduler not run yet",
        "needs attention: kazinform",
    ]
    assert status["needs_attention"] == ["kazinform"]


def test_status_verbose_names_failed_checks_and_alerts(tmp_path):
    reports, index = make_setup(tmp_path)
    text = render_status(collect_status(reports, index, now=NOW), verbose=True)
    assert "health FAILED" in text
    assert "failed   field_coverage: field_coverage too low" in text
    assert "alert webhook: sent (HTTP 200)" in text
    assert "archive:   4 records; +1 in the last day, +3 in the last 7 days" in text


def test_status_command_prints_json_and_exits_1_for_an_unhealthy_outlet(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no schedule file here
    reports, _ = make_setup(tmp_path)
    assert main(["status", "--reports", str(reports), "--archive", str(tmp_path / "archive"), "--json"]) == 1
    status = json.loads(capsys.readouterr().out)
    assert status["outlets"]["kazinform"]["last_run"]["job"] == "j2"
    assert status["outlets"]["kazinform"]["archive"]["records"] == 4


def test_status_without_reports_or_archive_says_so(tmp_path):
    text = render_status(collect_status(tmp_path / "reports", default_index_path(tmp_path / "archive")))
    assert "no crawl reports" in text


def test_status_shows_each_outlets_pages_in_no_known_layout(tmp_path):
    reports, index = make_setup(tmp_path)
    drift = tmp_path / "drift"
    write_site_warc(drift / "kazinform" / "kazinform-1.warc.gz",
                    [SitePage("https://www.inform.kz/ru/a-1f2e3d", b"<html></html>"),
                     SitePage("https://www.inform.kz/ru/b-4a5b6c", b"<html></html>")])
    status = collect_status(reports, index, spiders=["kazinform", "totalkz"], now=NOW, drift_dir=drift)
    assert status["outlets"]["kazinform"]["unknown_layout_pages"] == 2
    assert status["outlets"]["totalkz"]["unknown_layout_pages"] == 0
    assert "  layouts:   2 pages in no known layout kept (DRIFT_DIR)" in render_status(status, verbose=True)
    assert "+3  not scheduled; 2 drift pages  << unhealthy" in render_status(status)
    assert "layouts:" not in render_status(collect_status(reports, index, now=NOW), verbose=True)


def test_site_runs_appear_with_the_hosts_they_archived(tmp_path):
    archive = Archiver.open(tmp_path / "archive", fsync=False)
    archive.add(article(1, NOW - timedelta(hours=1), outlet="kazinform"))
    archive.add(article(2, NOW - timedelta(hours=1), outlet="news.example.kz"))
    archive.add(article(3, NOW - timedelta(days=2), outlet="news.example.kz"))
    archive.add(article(4, NOW - timedelta(days=2), outlet="city.example.ru"))
    archive.close()
    status = collect_status(tmp_path / "reports", default_index_path(tmp_path / "archive"), spiders=["kazinform"],
                            now=NOW)
    assert list(status["outlets"]) == ["kazinform", "site"]
    site = status["outlets"]["site"]
    assert site["hosts"] == {"city.example.ru": 1, "news.example.kz": 2}
    assert site["archive"] == {"records": 3, "last_day": 1, "last_week": 3}
    line = render_status(status).splitlines()[2]
    assert line.startswith("site ") and line.endswith("; hosts city.example.ru (1), news.example.kz (2)")


SCHEDULE = """
[scrapyd]
url = "{url}"
[jobs.kazinform]
cron = "*/30 * * * *"
[jobs.check-kazinform]
spider = "kazinform"
cron = "5 5 * * *"
"""


def write_schedule(tmp_path, url: str, due: datetime | None = None):
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(SCHEDULE.format(url=url), encoding="utf-8")
    if due is not None:
        state = {"version": 1, "jobs": {
            "kazinform": {"next_due": due.isoformat(), "trigger": "cron '*/30 * * * *'"},
            "check-kazinform": {"next_due": (due + timedelta(hours=5)).isoformat(), "trigger": "cron '5 5 * * *'"}}}
        (tmp_path / "schedule-state.json").write_text(json.dumps(state), encoding="utf-8")
    return schedule


def healthy_setup(tmp_path, finished: datetime):
    reports = tmp_path / "reports"
    write_report(reports / "kazinform", finished.strftime("%Y%m%dT%H%M%SZ"), job="j1", health="passed", archived=2)
    Archiver.open(tmp_path / "archive", fsync=False).close()
    return reports


def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def status_command(tmp_path, reports, *extra: str) -> int:
    return main(["status", "--reports", str(reports), "--archive", str(tmp_path / "archive"), *extra])


def test_status_reads_the_next_due_time_from_the_schedulers_state_and_exits_0_when_all_is_well(
        tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # schedule.toml and schedule-state.json found here
    now = datetime.now(timezone.utc)
    reports = healthy_setup(tmp_path, now - timedelta(minutes=10))
    write_schedule(tmp_path, closed_url(), due=now + timedelta(minutes=20))
    assert status_command(tmp_path, reports) == 0
    out, err = capsys.readouterr()
    line = out.splitlines()[1]
    assert line.startswith("kazinform ") and " ok " in line
    assert line.endswith(("(in 19m)", "(in 20m)"))
    assert "needs attention" not in out
    assert err.startswith("newscrawl status: note: cannot list Scrapyd's jobs at http://127.0.0.1:")


def test_status_exits_1_when_an_outlet_is_overdue(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    now = datetime.now(timezone.utc)
    reports = healthy_setup(tmp_path, now - timedelta(hours=5))
    write_schedule(tmp_path, closed_url(), due=now - timedelta(hours=4, minutes=30))
    assert status_command(tmp_path, reports) == 1
    out = capsys.readouterr().out
    assert "due 4h ago  << overdue by 4h" in out.splitlines()[1]
    assert out.splitlines()[-1] == "needs attention: kazinform"


@contextmanager
def scrapyd_stand_in(finished: list[dict], logs: dict[str, str]) -> Iterator[str]:
    """Scrapyd's listjobs.json and its logs, on 127.0.0.1."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/listjobs.json"):
                body = json.dumps({"status": "ok", "pending": [], "running": [], "finished": finished}).encode()
            elif self.path in logs:
                body = logs[self.path].encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base:
        yield f"{base}/"


def test_a_scrapyd_job_that_ended_without_a_report_is_a_failed_run_with_its_logs_last_lines(
        tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    now = datetime.now(timezone.utc)
    reports = healthy_setup(tmp_path, now - timedelta(hours=2))
    ended = (now - timedelta(minutes=5)).astimezone().replace(tzinfo=None)  # Scrapyd writes local times
    log = "".join(f"2026-01-01 10:00:0{n} [scrapy.utils.log] INFO: line {n}\n" for n in range(8))
    log += "scrapy crawl kazinform: -a sinse: kazinform takes no such argument (did you mean since?)\n"
    finished = [
        {"id": "j1", "spider": "kazinform", "start_time": str(ended), "end_time": str(ended),
         "log_url": "/logs/newscrawl/kazinform/j1.log"},  # reported: not failed
        {"id": "bad1", "spider": "kazinform", "start_time": str(ended), "end_time": str(ended),
         "log_url": "/logs/newscrawl/kazinform/bad1.log"},
    ]
    with scrapyd_stand_in(finished, {"/logs/newscrawl/kazinform/bad1.log": log}) as url:
        write_schedule(tmp_path, url)
        assert status_command(tmp_path, reports) == 1
        out, err = capsys.readouterr()
        assert status_command(tmp_path, reports, "--json") == 1
        last = json.loads(capsys.readouterr().out)["outlets"]["kazinform"]["last_run"]
    lines = out.splitlines()
    assert " FAILED " in lines[1] and lines[1].endswith("<< failed: no report")
    assert lines[2] == "    Scrapyd job bad1 ended without a report; its log ends:"
    assert lines[3:8] == [
        *(f"    | 2026-01-01 10:00:0{n} [scrapy.utils.log] INFO: line {n}" for n in range(4, 8)),
        "    | scrapy crawl kazinform: -a sinse: kazinform takes no such argument (did you mean since?)"]
    assert err == ""
    assert (last["job"], last["health"], last["reason"]) == ("bad1", "failed", "ended without a report")


def test_status_refuses_a_schedule_file_it_cannot_read(tmp_path, capsys):
    reports = healthy_setup(tmp_path, NOW)
    with pytest.raises(SystemExit) as exit_:
        status_command(tmp_path, reports, "--schedule", str(tmp_path / "nope.toml"))
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith(f"newscrawl status: cannot read {tmp_path / 'nope.toml'}")


def test_status_shows_what_the_topic_kept_and_skipped(tmp_path):
    reports, index = make_setup(tmp_path)
    path = sorted((reports / "kazinform").glob("*.json"))[-1]
    report = json.loads(path.read_text(encoding="utf-8"))
    report["stats"].update({"newscrawl/topic": "twin-cities", "newscrawl/topic/kept": 2,
                            "newscrawl/topic/skipped": 7})
    path.write_text(json.dumps(report), encoding="utf-8")
    status = collect_status(reports, index, now=NOW)
    assert status["outlets"]["kazinform"]["topic_in_recent_runs"] == {"twin-cities": {"kept": 2, "skipped": 7}}
    detail = render_status(status, verbose=True).splitlines()
    assert "  topic:     twin-cities: 2 kept, 7 skipped in recent runs" in detail
    assert "; topic twin-cities: 2 kept, 7 skipped" in render_status(status).splitlines()[1]
