"""The schedule file, due times and the scheduler's decisions, against a fake Scrapyd and clock."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler

import pytest
from support import serving

from newscrawl.ops.schedule import (
    CronTrigger,
    IntervalTrigger,
    Schedule,
    ScheduledJob,
    ScheduleError,
    Scheduler,
    load_schedule,
    parse_interval,
    parse_schedule,
)
from newscrawl.ops.scrapyd import ScrapydError, ScrapydJobs, ScrapydUnavailable

T0 = datetime(2025, 8, 15, 12, 0, 0, tzinfo=timezone.utc)


class FakeClock:
    """A clock the test moves; ``sleep`` moves it too."""

    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeScrapyd:
    """Scrapyd's job API in memory: submitted jobs stay pending until the test finishes them;
    ``down`` makes every call fail as if Scrapyd were unreachable."""

    def __init__(self):
        self.submitted: list[dict] = []
        self.active: dict[str, dict] = {}
        self.down = False
        self.refuse: str | None = None
        self.list_calls = 0

    def list_jobs(self, project: str) -> ScrapydJobs:
        self.list_calls += 1
        if self.down:
            raise ScrapydUnavailable("listjobs.json: connection refused")
        return ScrapydJobs(pending=[j for j in self.active.values() if j["state"] == "pending"],
                           running=[j for j in self.active.values() if j["state"] == "running"])

    def schedule(self, project, spider, *, args=None, settings=None, priority=None) -> str:
        if self.down:
            raise ScrapydUnavailable("schedule.json: connection refused")
        if self.refuse:
            raise ScrapydError(self.refuse)
        job_id = f"job{len(self.submitted) + 1}"
        job = {"id": job_id, "spider": spider, "project": project, "args": dict(args or {}),
               "settings": dict(settings or {}), "state": "pending"}
        self.submitted.append(job)
        self.active[job_id] = job
        return job_id

    def start(self, job_id: str) -> None:
        self.active[job_id]["state"] = "running"

    def finish(self, job_id: str) -> None:
        self.active.pop(job_id)


def schedule_of(*jobs: ScheduledJob, poll: float = 30) -> Schedule:
    return Schedule(jobs=jobs, poll=poll)


def every(name: str, seconds: float, spider: str | None = None, **kw) -> ScheduledJob:
    return ScheduledJob(name=name, spider=spider or name, trigger=IntervalTrigger(seconds), **kw)


def cron(name: str, expression: str, spider: str | None = None, zone: str = "UTC") -> ScheduledJob:
    return ScheduledJob(name=name, spider=spider or name, trigger=CronTrigger(expression, zone))


# -- due times
def test_cron_trigger_is_due_at_its_next_time_not_at_start():
    trigger = CronTrigger("*/30 * * * *")
    assert trigger.first_due(T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=30)
    assert trigger.next_after(T0) == T0 + timedelta(minutes=30)


def test_cron_trigger_reads_the_expression_in_its_time_zone():
    # 03:00 in Almaty (UTC+5 since March 2024) is 22:00 UTC the day before
    trigger = CronTrigger("0 3 * * *", "Asia/Almaty")
    assert trigger.next_after(T0) == datetime(2025, 8, 15, 22, 0, tzinfo=timezone.utc)


def test_cron_trigger_counts_the_due_times_in_a_span():
    trigger = CronTrigger("*/10 * * * *")
    assert trigger.missed(T0, T0 + timedelta(minutes=35)) == 4  # 12:00, 12:10, 12:20, 12:30
    assert trigger.missed(T0, T0 - timedelta(minutes=1)) == 0


def test_interval_trigger_is_due_when_first_seen_then_every_interval():
    trigger = IntervalTrigger(600)
    assert trigger.first_due(T0) == T0
    assert trigger.next_after(T0) == T0 + timedelta(minutes=10)
    assert trigger.missed(T0, T0 + timedelta(minutes=25)) == 3


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400),
                                               (45, 45), ("2.5m", 150)])
def test_intervals_are_read_with_their_unit(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 weeks", "-3m", ""])
def test_unreadable_intervals_are_refused(text):
    with pytest.raises(ScheduleError):
        parse_interval(text)


# -- the schedule file
def test_schedule_file_gives_jobs_with_arguments_settings_and_scrapyd(tmp_path):
    path = tmp_path / "schedule.toml"
    path.write_text("""
[scrapyd]
url = "http://127.0.0.1:6801/"
project = "news"

[scheduler]
poll = "10s"

[jobs.kazinform]
cron = "*/30 * * * *"
args = { edition = "ru,kz" }
settings = { HEALTH_MIN_ITEMS = 5, ROBOTSTXT_OBEY = true }

[jobs.kazinform-en]
spider = "kazinform"
every = "6h"
args = { edition = "en" }
priority = 1
""", encoding="utf-8")
    schedule = load_schedule(path)
    assert (schedule.url, schedule.project, schedule.poll) == ("http://127.0.0.1:6801/", "news", 10)
    first, second = schedule.jobs
    assert (first.name, first.spider, first.trigger) == ("kazinform", "kazinform", CronTrigger("*/30 * * * *"))
    assert first.args == {"edition": "ru,kz"}
    assert first.settings == {"HEALTH_MIN_ITEMS": "5", "ROBOTSTXT_OBEY": "true"}
    assert (second.name, second.spider, second.trigger, second.priority) == (
        "kazinform-en", "kazinform", IntervalTrigger(21600), 1.0)


@pytest.mark.parametrize(("table", "complaint"), [
    ({"spider": "kazinform"}, "either cron"),
    ({"cron": "* * * * *", "every": "1h"}, "either cron"),
    ({"cron": "every day"}, "cron expression"),
    ({"cron": "0 3 * * *", "timezone": "Mars/Olympus"}, "time zone"),
    ({"every": "1h", "args": {"project": "x"}}, "cannot be spider arguments"),
    ({"every": "1h", "sometimes": True}, "unknown keys"),
    ({"every": "1h", "topic": '"unclosed'}, "topic"),
    ({"every": "1h", "topic": 5}, "topic must be a string"),
    ({"every": "1h", "topic": "a", "settings": {"ARCHIVE_TOPIC": "b"}}, "not both"),
])
def test_schedule_file_mistakes_are_reported(table, complaint):
    with pytest.raises(ScheduleError, match=complaint):
        parse_schedule({"jobs": {"kazinform": table}})


def test_a_jobs_topic_becomes_its_archive_topic_setting():
    schedule = parse_schedule({"jobs": {"kazinform": {"every": "1h", "topic": "twin-cities",
                                                      "settings": {"HEALTH_MIN_ITEMS": 1}}}})
    assert schedule.jobs[0].settings == {"HEALTH_MIN_ITEMS": "1", "ARCHIVE_TOPIC": "twin-cities"}


def test_schedule_file_that_is_not_toml_is_reported(tmp_path):
    path = tmp_path / "schedule.toml"
    path.write_text("[jobs.kazinform\ncron = ", encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"schedule\.toml"):
        load_schedule(path)


def test_the_project_schedule_file_is_valid_and_schedules_every_outlet():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings
    from support import ROOT

    spiders = set(SpiderLoader.from_settings(get_project_settings()).list())
    schedule = load_schedule(ROOT / "schedule.toml")
    assert {job.spider for job in schedule.jobs} == spiders - {"site"}  # every outlet is scheduled


# -- the scheduler's decisions
def test_due_job_is_submitted_with_its_arguments_and_settings():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    job = every("kazinform", 3600, args={"edition": "ru"}, settings={"REPLAY": "x.warc"})
    decisions = Scheduler(schedule_of(job), scrapyd, clock=clock).tick()
    assert [(d.action, d.job_id) for d in decisions] == [("submitted", "job1")]
    assert scrapyd.submitted[0]["args"] == {"edition": "ru"}
    assert scrapyd.submitted[0]["settings"] == {"REPLAY": "x.warc"}


def test_job_that_is_not_due_is_not_submitted_and_scrapyd_is_not_asked():
    scrapyd, clock = FakeScrapyd(), FakeClock(T0 + timedelta(minutes=1))
    scheduler = Scheduler(schedule_of(cron("kazinform", "*/30 * * * *")), scrapyd, clock=clock)
    assert scheduler.tick() == []
    assert scrapyd.submitted == [] and scrapyd.list_calls == 0
    clock.advance(29 * 60)
    assert [d.action for d in scheduler.tick()] == ["submitted"]


def test_spider_with_a_running_job_is_not_started_again_until_it_finishes():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    scheduler = Scheduler(schedule_of(every("kazinform", 60)), scrapyd, clock=clock)
    scheduler.tick()
    scrapyd.start("job1")
    for _ in range(5):  # due again every minute while job1 runs
        clock.advance(60)
        decision, = scheduler.tick()
        assert decision.action == "deferred"
        assert "job1" in decision.reason and "running" in decision.reason
    assert len(scrapyd.submitted) == 1
    scrapyd.finish("job1")
    clock.advance(1)
    assert [d.action for d in scheduler.tick()] == ["submitted"]
    assert len(scrapyd.submitted) == 2


def test_spider_with_a_pending_job_is_not_started_again():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    scheduler = Scheduler(schedule_of(every("kazinform", 60)), scrapyd, clock=clock)
    scheduler.tick()
    clock.advance(120)
    decision, = scheduler.tick()
    assert decision.action == "deferred" and "pending" in decision.reason
    assert len(scrapyd.submitted) == 1


def test_two_jobs_of_one_spider_never_run_at_once_and_take_turns():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    jobs = (every("kazinform-ru", 3600, spider="kazinform", args={"edition": "ru"}),
            every("kazinform-en", 3600, spider="kazinform", args={"edition": "en"}))
    scheduler = Scheduler(schedule_of(*jobs), scrapyd, clock=clock)
    first = scheduler.tick()  # both due: the first goes, the second waits for it within the same check
    assert [(d.job, d.action) for d in first] == [("kazinform-ru", "submitted"), ("kazinform-en", "deferred")]
    clock.advance(30)
    assert [d.action for d in scheduler.tick()] == ["deferred"]
    scrapyd.finish("job1")
    clock.advance(30)
    assert [(d.job, d.action) for d in scheduler.tick()] == [("kazinform-en", "submitted")]
    assert [j["args"]["edition"] for j in scrapyd.submitted] == ["ru", "en"]


def test_other_spiders_run_while_one_is_busy():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    scheduler = Scheduler(schedule_of(every("kazinform", 60), every("totalkz", 60)), scrapyd, clock=clock)
    scheduler.tick()
    scrapyd.start("job1")
    scrapyd.finish("job2")
    clock.advance(60)
    assert {(d.job, d.action) for d in scheduler.tick()} == {("kazinform", "deferred"), ("totalkz", "submitted")}


def test_scrapyd_down_across_many_due_times_gives_one_job_when_it_is_back():
    scrapyd, clock = FakeScrapyd(), FakeClock(T0 - timedelta(seconds=1))
    scheduler = Scheduler(schedule_of(cron("kazinform", "*/10 * * * *")), scrapyd, clock=clock)
    scrapyd.down = True
    for _ in range(7):  # until 13:09:59: seven due times (12:00 … 13:00) while Scrapyd is unreachable
        clock.advance(600)
        decision, = scheduler.tick()
        assert decision.action == "deferred" and "cannot list" in decision.reason
    scrapyd.down = False
    clock.advance(0.5)
    decision, = scheduler.tick()
    assert decision.action == "submitted" and decision.missed == 7
    assert len(scrapyd.submitted) == 1
    assert scheduler.states["kazinform"].next_due == T0 + timedelta(hours=1, minutes=10)
    clock.advance(0.4)
    assert scheduler.tick() == []  # caught up: nothing more until 13:10


def test_scrapyd_failing_on_submission_keeps_the_job_due():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    scheduler = Scheduler(schedule_of(every("kazinform", 3600)), scrapyd, clock=clock)
    scrapyd.refuse = "spider 'kazinform' not found"
    decision, = scheduler.tick()
    assert decision.action == "failed" and "not found" in decision.reason
    scrapyd.refuse = None
    clock.advance(30)
    assert [d.action for d in scheduler.tick()] == ["submitted"]


def test_every_decision_is_logged_and_repeated_waits_only_once_at_info(caplog):
    scrapyd, clock = FakeScrapyd(), FakeClock()
    scheduler = Scheduler(schedule_of(every("kazinform", 60)), scrapyd, clock=clock)
    with caplog.at_level(logging.DEBUG, logger="newscrawl.ops.schedule"):
        scheduler.tick()
        for _ in range(3):
            clock.advance(60)
            scheduler.tick()
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if "job kazinform:" in r.getMessage()]
    assert "submitted as Scrapyd job job1" in messages[0][1]
    waits = [(level, text) for level, text in messages if "not submitted" in text]
    assert len(waits) == 3
    assert [level for level, _ in waits] == [logging.INFO, logging.DEBUG, logging.DEBUG]
    assert all("job1" in text and "pending" in text for _, text in waits)


def test_state_file_carries_due_times_over_a_restart(tmp_path):
    state = tmp_path / "state.json"
    scrapyd, clock = FakeScrapyd(), FakeClock()
    Scheduler(schedule_of(every("kazinform", 3600)), scrapyd, state_path=state, clock=clock).tick()
    saved = json.loads(state.read_text())["jobs"]["kazinform"]
    assert saved["last_job"] == "job1" and saved["next_due"] == (T0 + timedelta(hours=1)).isoformat()
    scrapyd.finish("job1")
    clock.advance(600)
    restarted = Scheduler(schedule_of(every("kazinform", 3600)), scrapyd, state_path=state, clock=clock)
    assert restarted.tick() == []  # not due again just because the scheduler restarted
    clock.advance(3000)
    assert [d.action for d in restarted.tick()] == ["submitted"]


def test_a_changed_trigger_replaces_the_saved_due_time(tmp_path):
    state = tmp_path / "state.json"
    scrapyd, clock = FakeScrapyd(), FakeClock()
    Scheduler(schedule_of(every("kazinform", 86400)), scrapyd, state_path=state, clock=clock).tick()
    changed = Scheduler(schedule_of(cron("kazinform", "*/30 * * * *")), scrapyd, state_path=state, clock=clock)
    assert changed.states["kazinform"].next_due == T0 + timedelta(minutes=30)


def test_unreadable_state_file_starts_afresh(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    scheduler = Scheduler(schedule_of(every("kazinform", 60)), FakeScrapyd(), state_path=state, clock=FakeClock())
    assert [d.action for d in scheduler.tick()] == ["submitted"]


# -- the loop
def test_run_is_bounded_by_duration_and_sleeps_until_the_next_due_time():
    scrapyd, clock = FakeScrapyd(), FakeClock(T0 - timedelta(minutes=5))
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)
        for job_id in list(scrapyd.active):  # every job finishes while the scheduler sleeps
            scrapyd.finish(job_id)

    scheduler = Scheduler(schedule_of(cron("kazinform", "*/30 * * * *")), scrapyd, clock=clock)
    submitted = scheduler.run(duration=3600, sleep=sleep)
    assert submitted == 2  # 12:00 and 12:30 within 11:55 … 12:55
    assert clock.now == T0 + timedelta(minutes=55)
    assert max(slept) <= 60  # never sleeps longer than a minute at once


def test_run_once_checks_a_single_time():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    scheduler = Scheduler(schedule_of(every("kazinform", 60), every("totalkz", 60)), scrapyd, clock=clock)
    assert scheduler.run(once=True, sleep=lambda s: pytest.fail("--once must not sleep")) == 2


def test_run_stops_after_max_submissions_and_polls_while_a_job_waits():
    scrapyd, clock = FakeScrapyd(), FakeClock()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)
        if len(slept) == 3:
            scrapyd.finish("job1")

    jobs = (every("a", 3600, spider="kazinform"), every("b", 3600, spider="kazinform"))
    scheduler = Scheduler(schedule_of(*jobs, poll=5), scrapyd, clock=clock)
    assert scheduler.run(max_submissions=2, duration=600, sleep=sleep) == 2
    assert slept == [5, 5, 5]  # polled every 5 s while b waited for a


def test_schedule_check_prints_each_job_and_its_next_due_time(tmp_path, capsys):
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text('[jobs.kazinform]\ncron = "*/30 * * * *"\nargs = { edition = "ru" }\n', encoding="utf-8")
    assert main(["schedule", "--schedule", str(path), "--check", "--json"]) == 0
    job, = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (job["job"], job["spider"], job["args"]) == ("kazinform", "kazinform", {"edition": "ru"})
    assert datetime.fromisoformat(job["next_due"]).minute in (0, 30)


def test_schedule_check_prints_a_line_per_job_with_its_interval_as_written(tmp_path, capsys):
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text('[jobs.mosds]\nevery = "6h"\n[jobs.kazinform]\ncron = "*/30 * * * *"\nargs = { edition = "ru" }\n',
                    encoding="utf-8")
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 1, "jobs": {"mosds": {"next_due": "2031-01-02T03:04:05+00:00",
                                                                   "trigger": "every 21600s"}}}), encoding="utf-8")
    assert main(["schedule", "--schedule", str(path), "--state", str(state), "--check"]) == 0
    header, mosds, kazinform = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["JOB", "SPIDER", "WHEN"]
    assert mosds.split() == ["mosds", "mosds", "every", "6h", "2031-01-02", "03:04"]
    assert kazinform.startswith("kazinform  kazinform  cron '*/30 * * * *'") and kazinform.endswith("-a edition=ru")


def test_schedule_command_refuses_a_broken_file(tmp_path):
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text('[jobs.kazinform]\ncron = "whenever"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["schedule", "--schedule", str(path), "--check"])
    assert exit_.value.code == 2


def test_cron_line_that_never_fires_and_a_poll_of_0_are_refused():
    with pytest.raises(ScheduleError, match=r"\[jobs.kazinform\]: cron expression '0 0 31 2 \*' never fires"):
        parse_schedule({"jobs": {"kazinform": {"cron": "0 0 31 2 *"}}})
    with pytest.raises(ScheduleError, match=r"\[scheduler\] poll: must be more than 0 seconds, not 0"):
        parse_schedule({"scheduler": {"poll": 0}, "jobs": {"kazinform": {"every": "1h"}}})


@pytest.mark.parametrize(("text", "extra", "message"), [
    ('[jobs.kazinform]\ncron = "0 0 31 2 *"\n', [],
     "newscrawl schedule: [jobs.kazinform]: cron expression '0 0 31 2 *' never fires (no such date)"),
    ('[scheduler]\npoll = 0\n[jobs.kazinform]\nevery = "1h"\n', [],
     "newscrawl schedule: [scheduler] poll: must be more than 0 seconds, not 0 (e.g. 30)"),
    ('[jobs.kazinform]\nevery = "1h"\n', ["--poll", "0"],
     "newscrawl schedule: --poll: must be more than 0 seconds, not 0 (e.g. 30)"),
])
@pytest.mark.parametrize("mode", ["--check", "--once"])
def test_check_and_start_refuse_a_cron_line_that_never_fires_and_poll_0(tmp_path, capsys, text, extra, message,
                                                                         mode):
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["schedule", "--schedule", str(path), "--state", str(tmp_path / "state.json"), mode, *extra])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == message
    assert not (tmp_path / "state.json").exists()


def test_schedule_check_prints_intervals_as_written_and_due_times_from_the_state_file(tmp_path, capsys):
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text('[jobs.mosds]\nevery = "6h"\n[jobs.kazinform]\ncron = "*/30 * * * *"\n', encoding="utf-8")
    state = tmp_path / "state.json"
    saved = {"version": 1, "jobs": {"mosds": {"next_due": "2031-01-02T03:04:05+00:00", "trigger": "every 21600s"}}}
    state.write_text(json.dumps(saved), encoding="utf-8")
    assert main(["schedule", "--schedule", str(path), "--state", str(state), "--check", "--json"]) == 0
    out, err = capsys.readouterr()
    mosds, kazinform = [json.loads(line) for line in out.splitlines()]
    assert (mosds["when"], mosds["next_due"]) == ("every 6h", "2031-01-02T03:04:05+00:00")
    assert kazinform["when"] == "cron '*/30 * * * *'"
    assert err == ""
    assert json.loads(state.read_text(encoding="utf-8")) == saved  # --check changes nothing


def test_schedule_check_refuses_unknown_spiders_and_arguments_the_spider_cannot_use(tmp_path, capsys):
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text('[jobs.kazinfrom]\nevery = "1h"\n'
                    '[jobs.kazinform]\nevery = "1h"\nargs = { sinse = "2020-01-01" }\n'
                    '[jobs.totalkz]\nevery = "1h"\nargs = { edition = "xx" }\n'
                    '[jobs.mosru]\nevery = "1h"\nsettings = { ARCHIVE_LAYOUT = "foo" }\n'
                    '[jobs.mfakz]\nevery = "1h"\nargs = { since = "2024-01-01" }\n', encoding="utf-8")
    assert main(["schedule", "--schedule", str(path), "--state", str(tmp_path / "state.json"), "--check"]) == 1
    problems = capsys.readouterr().err.splitlines()
    assert problems[0].startswith("newscrawl schedule: [jobs.kazinfrom]: no spider 'kazinfrom' in this project"
                                  " (it has kazinform, mfakz, ")
    assert problems[1:] == [
        "newscrawl schedule: [jobs.kazinform]: -a sinse: kazinform takes no such argument (did you mean since?);"
        " it takes edition, since, until, url",
        "newscrawl schedule: [jobs.totalkz]: -a edition: xx unknown; totalkz has ru",
        "newscrawl schedule: [jobs.mosru]: -s ARCHIVE_LAYOUT='foo': unknown layout; expected one of markdown, dated",
    ]


@contextmanager
def scrapyd_answering(answers: dict[str, dict]) -> Iterator[str]:
    """A Scrapyd stand-in on 127.0.0.1 giving each endpoint (``listjobs.json`` …) its JSON answer."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps(answers[self.path.split("?")[0].lstrip("/")]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base:
        yield f"{base}/"


def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def schedule_once(tmp_path, url: str) -> int:
    from newscrawl.cli import main

    path = tmp_path / "schedule.toml"
    path.write_text('[jobs.kazinform]\nevery = "1h"\n', encoding="utf-8")
    return main(["schedule", "--schedule", str(path), "--state", str(tmp_path / "state.json"), "--url", url,
                 "--once"])


def test_schedule_once_exits_1_with_a_hint_when_scrapyd_is_not_running(tmp_path, capsys):
    url = closed_url()
    assert schedule_once(tmp_path, url) == 1
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("newscrawl schedule: job kazinform not submitted: cannot list Scrapyd's jobs:")
    assert last.endswith(f"; is Scrapyd running at {url}?")


def test_schedule_once_exits_1_with_a_hint_when_the_project_is_not_deployed(tmp_path, capsys):
    refusal = {"status": "error", "message": "project 'newscrawl' not found"}
    with scrapyd_answering({"listjobs.json": refusal}) as url:
        assert schedule_once(tmp_path, url) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "newscrawl schedule: job kazinform not submitted: cannot list Scrapyd's jobs: listjobs.json: project"
        f" 'newscrawl' not found; run scrapyd-deploy: project newscrawl not deployed to {url}")


def test_schedule_once_exits_0_when_it_submitted_what_was_due(tmp_path, capsys, caplog):
    answers = {"listjobs.json": {"status": "ok", "pending": [], "running": [], "finished": []},
               "schedule.json": {"status": "ok", "jobid": "abc"}}
    with scrapyd_answering(answers) as url:
        assert schedule_once(tmp_path, url) == 0
    assert "submitted as Scrapyd job abc" in caplog.text
    assert capsys.readouterr().err == ""
    assert json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))["jobs"]["kazinform"]["last_job"] == "abc"
