"""Scheduled crawling: the schedule file, due times, and the scheduler that submits each job to
Scrapyd when it is due.

A schedule file (``schedule.toml``) names Scrapyd and, per job, a spider, when it runs (a cron
expression or an interval) and its spider arguments and Scrapy settings::

    [scrapyd]
    url = "http://127.0.0.1:6800/"
    project = "newscrawl"

    [jobs.kazinform]
    cron = "*/30 * * * *"            # or: every = "30m"
    args = { edition = "ru,kz" }     # -a edition=ru,kz
    settings = { HEALTH_MIN_ITEMS = 5 }
    topic = "twin-cities"            # -s ARCHIVE_TOPIC=twin-cities: a named topic, or a query

The scheduler (``newscrawl schedule``) never submits a job of a spider that still has a job
pending or running in Scrapyd: a due job waits until the spider is idle. When Scrapyd (or the
scheduler itself) was down across several due times, the job runs once when it can, not once
per missed time. Every decision is logged, and the next due times are kept in a small state
file so that a restarted scheduler carries on where it stopped.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

from newscrawl.ops.scrapyd import ScrapydClient, ScrapydError, ScrapydJobs, ScrapydUnavailable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:6800/"
DEFAULT_PROJECT = "newscrawl"
#: seconds between checks while a due job waits (for its spider, or for Scrapyd)
DEFAULT_POLL = 30.0
#: the longest the scheduler sleeps at once, so that it notices a changed clock
MAX_SLEEP = 60.0
#: Scrapyd's own parameters of schedule.json, which cannot be spider arguments
RESERVED_ARGS = frozenset({"project", "spider", "setting", "jobid", "priority", "_version"})
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleError(ValueError):
    """A schedule file that cannot be used."""


def utcnow() -> datetime:
    """The current time, UTC."""
    return datetime.now(timezone.utc)


# -- when jobs are due
class Trigger(Protocol):
    """When a job is due."""

    def first_due(self, now: datetime) -> datetime:
        """The first due time of a job the scheduler has not run before."""

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after ``moment``."""

    def missed(self, due: datetime, now: datetime) -> int:
        """How many due times fell in ``[due, now]`` (``due`` being one)."""

    def describe(self) -> str:
        """The trigger, as the state file keeps it."""

    def as_written(self) -> str:
        """The trigger as written in the schedule file."""


@dataclass(frozen=True)
class CronTrigger:
    """A cron expression (croniter's syntax), read in a time zone."""

    expression: str
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expression):
            raise ScheduleError(f"not a valid cron expression: {self.expression!r}")
        try:
            croniter(self.expression, datetime(2000, 1, 1, tzinfo=timezone.utc)).get_next(datetime)
        except CroniterBadDateError:
            raise ScheduleError(f"cron expression {self.expression!r} never fires (no such date)") from None

    def next_after(self, moment: datetime) -> datetime:
        start = moment.astimezone(ZoneInfo(self.zone))
        return croniter(self.expression, start).get_next(datetime).astimezone(timezone.utc)

    def first_due(self, now: datetime) -> datetime:
        return self.next_after(now)

    def missed(self, due: datetime, now: datetime, limit: int = 10000) -> int:
        count, moment = 0, due
        while moment <= now and count < limit:
            count += 1
            moment = self.next_after(moment)
        return count

    def describe(self) -> str:
        return f"cron {self.expression!r}" + (f" ({self.zone})" if self.zone != "UTC" else "")

    def as_written(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class IntervalTrigger:
    """Every so many seconds, starting when the scheduler first sees the job."""

    seconds: float
    written: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ScheduleError("an interval must be longer than 0 seconds")

    def first_due(self, now: datetime) -> datetime:
        return now

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)

    def missed(self, due: datetime, now: datetime) -> int:
        return 0 if now < due else int((now - due).total_seconds() // self.seconds) + 1

    def describe(self) -> str:
        return f"every {self.seconds:g}s"

    def as_written(self) -> str:
        """The interval as the schedule file gives it (``every 6h``)."""
        return f"every {self.written}" if self.written else self.describe()


def parse_interval(value: Any) -> float:
    """Seconds of an interval: a number of seconds, or ``"90s"``, ``"30m"``, ``"6h"``, ``"1d"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _INTERVAL.match(str(value))
    if not match:
        raise ScheduleError(f"not an interval: {value!r} (write e.g. 90s, 30m, 6h, 1d)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


# -- the schedule file
@dataclass(frozen=True)
class ScheduledJob:
    """One job of the schedule: a spider, when it runs, and how."""

    name: str
    spider: str
    trigger: CronTrigger | IntervalTrigger
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    priority: float | None = None


@dataclass(frozen=True)
class Schedule:
    """A schedule file: where Scrapyd is, and the jobs."""

    jobs: tuple[ScheduledJob, ...]
    url: str = DEFAULT_URL
    project: str = DEFAULT_PROJECT
    username: str | None = None
    password: str | None = None
    poll: float = DEFAULT_POLL
    state: str | None = None


def _strings(table: Any, what: str) -> dict[str, str]:
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise ScheduleError(f"{what} must be a table of name = value")
    return {str(k): (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in table.items()}


def parse_job(name: str, table: Mapping[str, Any], zone: str = "UTC") -> ScheduledJob:
    """One ``[jobs.NAME]`` table."""
    where = f"[jobs.{name}]"
    unknown = set(table) - {"spider", "cron", "every", "timezone", "args", "settings", "priority", "topic"}
    if unknown:
        raise ScheduleError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    if ("cron" in table) == ("every" in table):
        raise ScheduleError(f"{where}: give either cron = \"…\" or every = \"…\"")
    try:
        if "cron" in table:
            zone = str(table.get("timezone", zone))
            ZoneInfo(zone)
            trigger: CronTrigger | IntervalTrigger = CronTrigger(str(table["cron"]), zone)
        else:
            trigger = IntervalTrigger(parse_interval(table["every"]), written=str(table["every"]).strip())
    except ZoneInfoNotFoundError:
        raise ScheduleError(f"{where}: unknown time zone {zone!r}") from None
    except ScheduleError as exc:
        raise ScheduleError(f"{where}: {exc}") from None
    args = _strings(table.get("args"), f"{where} args")
    reserved = RESERVED_ARGS & set(args)
    if reserved:
        raise ScheduleError(f"{where}: {', '.join(sorted(reserved))} cannot be spider arguments (Scrapyd uses them)")
    priority = table.get("priority")
    settings = _strings(table.get("settings"), f"{where} settings")
    if "topic" in table:
        settings = {**settings, "ARCHIVE_TOPIC": _topic(table["topic"], settings, where)}
    return ScheduledJob(name=name, spider=str(table.get("spider", name)), trigger=trigger, args=args,
                        settings=settings,
                        priority=float(priority) if priority is not None else None)


def _topic(value: Any, settings: Mapping[str, str], where: str) -> str:
    """A job's ``topic`` (a named topic or a query in the search syntax), checked."""
    from newscrawl.archive.search import SearchQueryError, fts_query

    if "ARCHIVE_TOPIC" in settings:
        raise ScheduleError(f"{where}: give the topic once, as topic = \"…\" or in settings, not both")
    if not isinstance(value, str):
        raise ScheduleError(f"{where}: topic must be a string (a topic's name or a query)")
    try:
        fts_query(value)
    except SearchQueryError as exc:
        raise ScheduleError(f"{where}: topic {value!r}: {exc}") from None
    return value


def parse_schedule(data: Mapping[str, Any]) -> Schedule:
    """A schedule from the parsed TOML document."""
    scrapyd = data.get("scrapyd", {})
    scheduler = data.get("scheduler", {})
    jobs_table = data.get("jobs", {})
    if not isinstance(jobs_table, Mapping) or not all(isinstance(t, Mapping) for t in jobs_table.values()):
        raise ScheduleError("jobs must be tables: [jobs.NAME]")
    zone = str(scheduler.get("timezone", "UTC"))
    jobs = tuple(parse_job(name, table, zone) for name, table in jobs_table.items())
    try:
        poll = check_poll(parse_interval(scheduler.get("poll", DEFAULT_POLL)))
    except ScheduleError as exc:
        raise ScheduleError(f"[scheduler] poll: {exc}") from None
    return Schedule(jobs=jobs, url=str(scrapyd.get("url", DEFAULT_URL)),
                    project=str(scrapyd.get("project", DEFAULT_PROJECT)),
                    username=scrapyd.get("username"), password=scrapyd.get("password"),
                    poll=poll, state=scheduler.get("state"))


def check_poll(seconds: float) -> float:
    """A poll interval the scheduler can use: more than 0 seconds (0 would ask Scrapyd without pause)."""
    if seconds <= 0:
        raise ScheduleError(f"must be more than 0 seconds, not {seconds:g} (e.g. 30)")
    return seconds


def load_schedule(path: str | os.PathLike[str]) -> Schedule:
    """Read a schedule file."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ScheduleError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    return parse_schedule(data)


# -- what the scheduler remembers between runs
@dataclass
class JobState:
    """What the scheduler knows of one job."""

    next_due: datetime
    trigger: str
    last_submitted: datetime | None = None
    last_job: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"next_due": self.next_due.isoformat(), "trigger": self.trigger,
                "last_submitted": self.last_submitted.isoformat() if self.last_submitted else None,
                "last_job": self.last_job}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobState:
        last = data.get("last_submitted")
        return cls(next_due=datetime.fromisoformat(data["next_due"]), trigger=str(data.get("trigger", "")),
                   last_submitted=datetime.fromisoformat(last) if last else None, last_job=data.get("last_job"))


def load_state(path: Path) -> dict[str, JobState]:
    """The saved state, {} when there is none (or it cannot be read: then the jobs start afresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: JobState.from_json(value) for name, value in data.get("jobs", {}).items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("schedule state %s unreadable (%s): starting afresh", path, exc)
        return {}


def save_state(path: Path, states: Mapping[str, JobState]) -> None:
    """Write the state atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"version": 1, "jobs": {n: s.to_json() for n, s in states.items()}}, indent=1),
                   encoding="utf-8")
    os.replace(tmp, path)


# -- the scheduler
@dataclass
class Decision:
    """What the scheduler did about a due job."""

    job: str
    spider: str
    action: str  # "submitted", "deferred" (will retry) or "failed" (Scrapyd refused; will retry)
    reason: str = ""
    job_id: str | None = None
    missed: int = 0
    #: set when Scrapyd could not take the job (down, or refused it), not merely a busy spider: what to do
    hint: str = ""


class JobsAPI(Protocol):
    """What the scheduler needs of Scrapyd (``ScrapydClient``, or a fake in tests)."""

    def list_jobs(self, project: str) -> ScrapydJobs: ...

    def schedule(self, project: str, spider: str, *, args: Mapping[str, Any] | None = None,
                 settings: Mapping[str, Any] | None = None, priority: float | None = None) -> str: ...


class Scheduler:
    """Submits the schedule's jobs to Scrapyd when they are due (see the module's docstring)."""

    def __init__(self, schedule: Schedule, client: JobsAPI, state_path: str | os.PathLike[str] | None = None,
                 clock: Callable[[], datetime] = utcnow, read_only: bool = False):
        self.schedule = schedule
        self.client = client
        self.clock = clock
        self.state_path = Path(state_path) if state_path else None
        self.read_only = read_only
        self.last_decisions: list[Decision] = []
        self._said: dict[str, str] = {}
        saved = load_state(self.state_path) if self.state_path else {}
        now = clock()
        self.states: dict[str, JobState] = {}
        for job in schedule.jobs:
            state = saved.get(job.name)
            if state is None or state.trigger != job.trigger.describe():
                state = JobState(next_due=job.trigger.first_due(now), trigger=job.trigger.describe())
            self.states[job.name] = state
            logger.info("job %s: spider %s, %s; next due %s", job.name, job.spider, job.trigger.as_written(),
                        _when(state.next_due))
        self._save()

    def _save(self) -> None:
        if self.state_path is not None and not self.read_only:
            save_state(self.state_path, self.states)

    def due(self, now: datetime) -> list[ScheduledJob]:
        """The jobs due at ``now``, the longest-waiting first."""
        due = [job for job in self.schedule.jobs if self.states[job.name].next_due <= now]
        return sorted(due, key=lambda job: self.states[job.name].next_due)

    def tick(self) -> list[Decision]:
        """Submit every due job whose spider is idle; returns the decisions taken."""
        now = self.clock()
        due = self.due(now)
        if not due:
            return []
        try:
            jobs = self.client.list_jobs(self.schedule.project)
        except (ScrapydUnavailable, ScrapydError) as exc:
            action = "deferred" if isinstance(exc, ScrapydUnavailable) else "failed"
            hint = scrapyd_hint(exc, self.client, self.schedule)
            self.last_decisions = [self._tell(Decision(job.name, job.spider, action,
                                                       f"cannot list Scrapyd's jobs: {exc}", hint=hint))
                                   for job in due]
            return self.last_decisions
        busy: dict[str, tuple[str, str]] = {}
        decisions = []
        for job in due:
            active = busy.get(job.spider) or jobs.active(job.spider)
            if active is not None:
                state, job_id = active
                reason = f"previous job {job_id} of spider {job.spider} is still {state}"
                decisions.append(self._tell(Decision(job.name, job.spider, "deferred", reason)))
                continue
            decision = self._submit(job, now)
            if decision.job_id is not None:
                busy[job.spider] = ("pending", decision.job_id)
            decisions.append(self._tell(decision))
        self._save()
        self.last_decisions = decisions
        return decisions

    def _submit(self, job: ScheduledJob, now: datetime) -> Decision:
        state = self.states[job.name]
        missed = job.trigger.missed(state.next_due, now)
        try:
            job_id = self.client.schedule(self.schedule.project, job.spider, args=job.args, settings=job.settings,
                                          priority=job.priority)
        except ScrapydUnavailable as exc:
            return Decision(job.name, job.spider, "deferred", f"Scrapyd unavailable: {exc}",
                            hint=scrapyd_hint(exc, self.client, self.schedule))
        except ScrapydError as exc:
            return Decision(job.name, job.spider, "failed", f"Scrapyd refused the job: {exc}",
                            hint=scrapyd_hint(exc, self.client, self.schedule))
        due_since = state.next_due
        state.last_submitted, state.last_job = now, job_id
        state.next_due = job.trigger.next_after(now)
        return Decision(job.name, job.spider, "submitted", f"due since {_when(due_since)}", job_id=job_id,
                        missed=missed)

    def _tell(self, decision: Decision) -> Decision:
        """Log a decision; a job waiting for the same reason as at the last check is logged at DEBUG."""
        if decision.action == "submitted":
            self._said.pop(decision.job, None)
            caught_up = f"; {decision.missed} due times missed, run once" if decision.missed > 1 else ""
            logger.info("job %s: %s, spider %s idle: submitted as Scrapyd job %s%s; next due %s", decision.job,
                        decision.reason, decision.spider, decision.job_id, caught_up,
                        _when(self.states[decision.job].next_due))
            return decision
        repeated = self._said.get(decision.job) == decision.reason
        self._said[decision.job] = decision.reason
        level = logging.DEBUG if repeated else (logging.ERROR if decision.action == "failed" else logging.INFO)
        logger.log(level, "job %s: not submitted, %s; will try again", decision.job, decision.reason)
        return decision

    def seconds_to_wait(self, now: datetime) -> float:
        """How long to sleep before the next check."""
        if self.due(now):
            return self.schedule.poll
        soonest = min((s.next_due for s in self.states.values()), default=None)
        if soonest is None:
            return MAX_SLEEP
        return min(max((soonest - now).total_seconds(), 0.0), MAX_SLEEP)

    def run(self, *, once: bool = False, duration: float | None = None, max_submissions: int | None = None,
            sleep: Callable[[float], None] = time.sleep) -> int:
        """Check and submit until stopped (or, bounded: one check, ``duration`` seconds, or
        ``max_submissions`` jobs submitted); returns the number of jobs submitted."""
        deadline = self.clock() + timedelta(seconds=duration) if duration is not None else None
        submitted = 0
        while True:
            submitted += sum(d.action == "submitted" for d in self.tick())
            if once or (max_submissions is not None and submitted >= max_submissions):
                break
            now = self.clock()
            if deadline is not None and now >= deadline:
                break
            wait = self.seconds_to_wait(now)
            if deadline is not None:
                wait = min(wait, (deadline - now).total_seconds())
            sleep(max(wait, 0.01))
        logger.info("scheduler stopping after %d submitted jobs", submitted)
        return submitted


def scrapyd_hint(exc: Exception, client: Any, schedule: Schedule) -> str:
    """What to do when Scrapyd could not take a job."""
    url = getattr(client, "url", schedule.url)
    message = str(exc)
    if isinstance(exc, ScrapydUnavailable):
        return f"is Scrapyd running at {url}?"
    if f"project '{schedule.project}' not found" in message:
        return f"run scrapyd-deploy: project {schedule.project} not deployed to {url}"
    if "spider '" in message and "not found" in message:
        return f"run scrapyd-deploy: the project deployed to {url} lacks the spider"
    if "401" in message:
        return "check NEWSCRAWL_SCRAPYD_USERNAME and NEWSCRAWL_SCRAPYD_PASSWORD"
    return f"see Scrapyd's answer above ({url})"


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def client_for(schedule: Schedule, *, url: str | None = None, username: str | None = None,
               password: str | None = None, timeout: float = 30.0) -> ScrapydClient:
    """The Scrapyd client of a schedule; credentials from the arguments, else the environment
    (``NEWSCRAWL_SCRAPYD_USERNAME``, ``NEWSCRAWL_SCRAPYD_PASSWORD``), else the schedule file."""
    username = username or os.environ.get("NEWSCRAWL_SCRAPYD_USERNAME") or schedule.username
    password = password or os.environ.get("NEWSCRAWL_SCRAPYD_PASSWORD") or schedule.password
    return ScrapydClient(url or schedule.url, username=username, password=password, timeout=timeout)


def next_due_by_spider(schedule: Schedule, states: Mapping[str, JobState]) -> dict[str, datetime]:
    """Per spider, the soonest next due time of its jobs that the scheduler's state knows."""
    due: dict[str, datetime] = {}
    for job in schedule.jobs:
        state = states.get(job.name)
        if state is not None and state.trigger == job.trigger.describe():
            due[job.spider] = min(due.get(job.spider, state.next_due), state.next_due)
    return due


def state_path_of(schedule: Schedule | None, given: str | None = None) -> Path:
    """The scheduler's state file: ``given``, env ``NEWSCRAWL_SCHEDULE_STATE``, the file's
    ``[scheduler] state``, else ``schedule-state.json``."""
    return Path(given or os.environ.get("NEWSCRAWL_SCHEDULE_STATE") or (schedule.state if schedule else None)
                or "schedule-state.json")


def job_problems(schedule: Schedule) -> list[str]:
    """What would stop each job's crawl, checked against this project as ``scrapy crawl`` checks it: an
    unknown spider, arguments it does not take or cannot use, newscrawl settings it cannot use."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from newscrawl.commands import preflight

    project = get_project_settings()
    loader = SpiderLoader.from_settings(project)
    spiders = loader.list()
    problems = []
    for job in schedule.jobs:
        if job.spider not in spiders:
            problems.append(f"[jobs.{job.name}]: no spider {job.spider!r} in this project (it has"
                            f" {', '.join(sorted(spiders))})")
            continue
        settings = project.copy()
        settings.setdict(job.settings, priority="cmdline")
        problem = preflight(loader, job.spider, dict(job.args), settings)
        if problem:
            problems.append(f"[jobs.{job.name}]: {problem}")
    return problems
