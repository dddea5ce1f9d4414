"""``newscrawl status``: last run, health and archive growth per outlet."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from support import SitePage, write_site_warc

from newscrawl.archiving import Archiver
from newscrawl.cli import main
from newscrawl.items import Article
from newscrawl.ops.status import collect_status, default_index_path, render_status

NOW = datetime(2025, 8, 15, 12, 0, tzinfo=timezone.utc)


def article(n: int, fetched: datetime) -> Article:
    return Article(url=f"https://www.inform.kz/ru/novost-{n:06x}", outlet="kazinform", edition="ru",
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


def test_status_text_names_failed_checks_and_alerts(tmp_path):
    reports, index = make_setup(tmp_path)
    text = render_status(collect_status(reports, index, now=NOW))
    assert "health FAILED" in text
    assert "failed   field_coverage: field_coverage too low" in text
    assert "alert webhook: sent (HTTP 200)" in text
    assert "archive:   4 records; +1 in the last day, +3 in the last 7 days" in text


def test_status_command_prints_json(tmp_path, capsys):
    reports, _ = make_setup(tmp_path)
    assert main(["status", "--reports", str(reports), "--archive", str(tmp_path / "archive"), "--json"]) == 0
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
    assert "  layouts:   2 pages in no known layout kept (DRIFT_DIR)" in render_status(status)
    assert "layouts:" not in render_status(collect_status(reports, index, now=NOW))


def test_status_shows_what_the_topic_kept_and_skipped(tmp_path):
    reports, index = make_setup(tmp_path)
    path = sorted((reports / "kazinform").glob("*.json"))[-1]
    report = json.loads(path.read_text(encoding="utf-8"))
    report["stats"].update({"newscrawl/topic": "twin-cities", "newscrawl/topic/kept": 2,
                            "newscrawl/topic/skipped": 7})
    path.write_text(json.dumps(report), encoding="utf-8")
    status = collect_status(reports, index, now=NOW)
    assert status["outlets"]["kazinform"]["topic_in_recent_runs"] == {"twin-cities": {"kept": 2, "skipped": 7}}
    assert "  topic:     twin-cities: 2 kept, 7 skipped in recent runs" in render_status(status).splitlines()
