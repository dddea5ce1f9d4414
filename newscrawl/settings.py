"""Scrapy settings of newscrawl, and the one place of every newscrawl setting's default (components
read them without defaults of their own). Every setting can be overridden with ``-s NAME=value``; the
places a server installation points elsewhere also come from the environment
(``NEWSCRAWL_ARCHIVE_DIR=/srv/newscrawl/archive``). This module imports nothing of newscrawl."""

import os

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
# scrapy crawl checks spider arguments and newscrawl's settings before it starts (newscrawl.commands)
COMMANDS_MODULE = "newscrawl.commands"

USER_AGENT = "newscrawl/0.1 (news archive; +https://github.com/newscrawl/newscrawl)"
ROBOTSTXT_OBEY = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# politeness: these are small outlets; AutoThrottle adapts to their response times
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# a page given up on is logged (and counted) by its spider's errback, and hosts that never answered by the
# crawl's closing lines: Scrapy's own "Gave up retrying" line per page would only repeat them
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
REDIRECT_MAX_TIMES = 10
# items are small and pipelines are quick; Scrapy's default of 100 costs time per response
# (0.6-1.0 ms); records are written in a thread of their own, so a few items in flight suffice
CONCURRENT_ITEMS = 8
# bytes of responses being parsed and their items processed before the downloader waits (Scrapy's
# default: 5 MB): the pages queued for the extraction workers and those whose articles wait for the
# archive writer's batch, a few dozen pages; more only wait in memory with their decoded text (1 MB
# left the workers idle while a batch was written: benchmarks/bench_throughput.py)
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 3_000_000

DOWNLOADER_MIDDLEWARES = {
    # answers every request from saved WARC responses when REPLAY is set
    "newscrawl.middlewares.replay.ReplayMiddleware": 950,
    # the raw archive (RAW_ARCHIVE_DIR): redirects before RedirectMiddleware (600) follows them,
    # everything else after HttpCompressionMiddleware (590) has decoded the body
    "newscrawl.middlewares.rawarchive.RawArchiveRedirectMiddleware": 605,
    "newscrawl.middlewares.rawarchive.RawArchiveMiddleware": 585,
    # robots.txt as Scrapy obeys it, a robots.txt that cannot be fetched said in one line
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.middlewares.robots.RobotsTxt": 100,
    # each page counted once by how it ended (after retries and redirects): the error rate's figures
    "newscrawl.middlewares.outcomes.PageOutcomes": 50,
    # the final status of each discovery request, for `newscrawl check` (CHECK)
    "newscrawl.extensions.probe.ProbeMiddleware": 50,
}

EXTENSIONS = {
    # the crawl's archive and its pool of extraction workers, shared by the spider and the pipelines
    "newscrawl.extensions.archive.CrawlArchive": 0,
    "newscrawl.spiders.workers.Extractor": 0,
    # the raw archive's writer (RAW_ARCHIVE_DIR), shared by its two middlewares
    "newscrawl.middlewares.rawarchive.RawArchive": 0,
    # pages in no known layout kept as WARC (DRIFT_DIR)
    "newscrawl.extensions.drift.DriftArchive": 0,
    # what a `newscrawl check` crawl saw, and the outlet's verdict (CHECK)
    "newscrawl.extensions.probe.ProbeRecorder": 0,
    # the progress line of long crawls, in place of Scrapy's LogStats (every LOGSTATS_INTERVAL seconds)
    "scrapy.extensions.logstats.LogStats": None,
    "newscrawl.extensions.progress.ProgressLog": 0,
    # the garbage collector's thresholds for a crawl (see GC_THRESHOLDS)
    "newscrawl.extensions.gc.GarbageCollectorTuning": 0,
    # health checks when a crawl closes; before CrawlReport (900) so that their results reach the report
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "newscrawl.extensions.report.CrawlReport": 900,
    # the crawl's closing paragraph: what it fetched, archived and skipped, and why hosts were unreachable
    "newscrawl.extensions.summary.CrawlSummary": 0,
}

ITEM_PIPELINES = {
    "newscrawl.pipelines.dedupe.DedupePipeline": 100,
    "newscrawl.pipelines.reprints.ReprintPipeline": 150,
    # keeps the archive to ARCHIVE_TOPIC (not enabled without one)
    "newscrawl.pipelines.topic.TopicPipeline": 180,
    "newscrawl.pipelines.language.LanguagePipeline": 200,
    "newscrawl.pipelines.dates.PublishedDatePipeline": 300,
    "newscrawl.pipelines.archive.ArchivePipeline": 400,
}

# -- newscrawl
#: the folder of records (relative paths are relative to the working directory)
ARCHIVE_DIR = os.environ.get("NEWSCRAWL_ARCHIVE_DIR", "archive")
#: layout of new records: "markdown" (default) or "dated"
ARCHIVE_LAYOUT = "markdown"
#: the index database (default: ARCHIVE_DIR/.newscrawl/index.sqlite)
ARCHIVE_INDEX = os.environ.get("NEWSCRAWL_ARCHIVE_INDEX") or None
#: flush every record to disk before it gets its name
ARCHIVE_FSYNC = True
#: estimated Jaccard similarity of two story texts (3-word shingles, MinHash) from which the later one
#: is a reprint and is not archived; 0.5 is measured by benchmarks/bench_reprints.py (the index's LSH
#: bands are tuned for thresholds from about 0.45 up)
REPRINT_THRESHOLD = 0.5
#: keep the archive to a subject: a query in the search syntax (``побратим* OR "sister cities"``) or a
#: topic named in ARCHIVE_TOPICS_FILE; articles off it are not archived (counted newscrawl/topic/skipped,
#: kept in the raw archive). Unset: every article is archived
ARCHIVE_TOPIC = os.environ.get("NEWSCRAWL_ARCHIVE_TOPIC") or None
#: the file of named topics (``[topics]`` table: name = query); a missing file names none
ARCHIVE_TOPICS_FILE = os.environ.get("NEWSCRAWL_TOPICS_FILE") or "topics.toml"
#: write records and index entries in a thread of their own (file and index I/O never holds the crawl)
ARCHIVE_WRITER_THREAD = True
#: in that thread, articles arriving within ARCHIVE_BATCH_WAIT seconds of each other (at most
#: ARCHIVE_BATCH_MAX) are written together: one lock, one folder flush and one index commit
ARCHIVE_BATCH_MAX = 64
ARCHIVE_BATCH_WAIT = 0.05
#: the garbage collector's thresholds in the crawl's process (Python's: 700, 10, 10, which at 16,000
#: articles spent a tenth of the crawl in full collections); None leaves the collector alone
GC_THRESHOLDS = (50000, 20, 20)
#: a WARC file or folder of WARC files to answer every request from, instead of the network
REPLAY = None
#: worker processes for extraction (-1: one per core; 0: in the crawl's thread, without a time limit)
EXTRACTION_PROCESSES = -1
#: seconds one page may take to extract before it is given up (and counted)
EXTRACTION_TIMEOUT = 60
#: seconds past EXTRACTION_TIMEOUT after which a worker that has not given up is killed and replaced
EXTRACTION_KILL_GRACE = 5
#: pages a worker process extracts before it is replaced (bounds its memory; 0: never)
EXTRACTION_TASKS_PER_WORKER = 5000
#: keep every fetched response in WARC files in this folder (the raw archive); unset: off.
#: A server installation sets it (env NEWSCRAWL_RAW_ARCHIVE_DIR)
RAW_ARCHIVE_DIR = os.environ.get("NEWSCRAWL_RAW_ARCHIVE_DIR") or None
#: write responses answered from REPLAY to the raw archive too (``newscrawl check --save`` of a replay)
RAW_ARCHIVE_REPLAYED = False
#: a raw-archive WARC file is closed and the next one begun past this size (bytes)
RAW_ARCHIVE_MAX_BYTES = 1024 * 1024 * 1024
#: listing pages an incremental crawl walks at most per edition and listing
INCREMENTAL_MAX_PAGES = 10
#: the standard discovery routes (robots.txt's sitemaps, /sitemap.xml, the home page's feeds) of an
#: outlet spider: "fallback" (for an edition whose own routes gave no article), "always" or "never"
DISCOVERY_STANDARD_ROUTES = "fallback"
#: how far back a first incremental crawl takes dated entries of sitemaps and feeds found by them (days)
DISCOVERY_FIRST_CRAWL_DAYS = 2
#: undated entries of sitemaps and feeds (plain sitemaps often give no date) a first incremental crawl
#: takes at most per edition (0: no limit); the rest are a backfill's job
DISCOVERY_FIRST_CRAWL_UNDATED = 200
#: the sitemaps of a sitemap index read at most (in the index's order; 0: all)
DISCOVERY_MAX_SITEMAPS = 50
#: articles a crawl takes per edition at most (0: no limit; ``newscrawl check`` sets it)
MAX_ARTICLES_PER_EDITION = 0
#: a check crawl (``newscrawl check``, or a scheduled check job): record every route and article read and
#: judge the outlet (``newscrawl/check/verdict``; a degraded or broken outlet fails the health checks)
CHECK = False
#: where a check crawl writes what it saw (JSON); unset: nowhere
CHECK_OUTPUT = None
#: keep the raw article pages that no layout of their outlet matches in WARC files in this folder, with
#: the reason, to write the next layout version from (env NEWSCRAWL_DRIFT_DIR); unset: off
DRIFT_DIR = os.environ.get("NEWSCRAWL_DRIFT_DIR") or None
#: listing pages a backfill walks at most per edition and listing (a safety bound)
BACKFILL_MAX_PAGES = 100000

# -- JSON-API outlets and JavaScript pages (mos.ru, the MFA on gov.kz)
#: a Splash server (``http://host:8050``) to render JavaScript pages (gov.kz) with; unset: no rendering.
#: ``newscrawl.addons.SplashAddon`` then wires scrapy-splash as its README prescribes.
SPLASH_URL = os.environ.get("SPLASH_URL") or None
#: seconds Splash lets a page's JavaScript run before it returns the HTML
SPLASH_WAIT = 2.0
ADDONS = {
    "newscrawl.addons.SplashAddon": 100,
}
# -- end of JSON-API outlets and JavaScript pages

# -- scaling out (docs/scaling.md): crawl processes on several machines share one frontier in Redis
#    and send their articles to one archiver (``newscrawl archive consume``)
#: a Redis server (``redis://[:password@]host:6379/0``) that makes this crawl one node of a distributed
#: crawl; unset: a crawl on one machine. ``newscrawl.distributed.addon.DistributedAddon`` does the wiring.
REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL") or None
#: the distributed crawl a node joins (default: the spider's name); nodes with one name share a frontier
REDIS_CRAWL_NAME = None
#: seconds without a heartbeat after which a node counts as dead and its requests are served again
REDIS_NODE_TIMEOUT = 60
#: the Redis stream nodes send articles to and the archiver takes them from
REDIS_ITEMS_KEY = "newscrawl:items"
#: articles ``newscrawl archive consume`` archives together at most (one lock, one index commit)
REDIS_ARCHIVER_BATCH = 64
ADDONS = {
    **ADDONS,
    "newscrawl.distributed.addon.DistributedAddon": 110,
}

#: where to write each crawl's JSON report (``%(name)s``, ``%(time)s`` filled in); unset: none
CRAWL_REPORT = os.environ.get("NEWSCRAWL_CRAWL_REPORT") or None

LOG_LEVEL = "INFO"

# -- running on a server: per-job reports, health checks (Spidermon), progress lines
#    (README, "Running on a server"). A server installation points the folders at persistent
#    places through the environment: NEWSCRAWL_ARCHIVE_DIR (above), NEWSCRAWL_REPORTS_DIR.
#: folder of crawl reports: each crawl writes REPORTS_DIR/<spider>/<time>_<job>.json (unless CRAWL_REPORT is set)
REPORTS_DIR = os.environ.get("NEWSCRAWL_REPORTS_DIR") or "reports"

LOGSTATS_INTERVAL = 60.0

SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.ops.monitors.HealthMonitorSuite"]
# count per field how many archived articles have it (None and empty values do not count)
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True
SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS = 0

#: articles a crawl must extract: a number, or {spider: number}; unset: learned from earlier reports
HEALTH_MIN_ITEMS = {}
#: learning: the last N finished crawls of the same spider and kind (incremental, backfill, urls) ...
HEALTH_LEARN_FROM = 10
#: ... once there are at least this many ...
HEALTH_LEARN_MIN_RUNS = 3
#: ... give this fraction of their median item count as the minimum
HEALTH_LEARNED_FRACTION = 0.25
#: the least share of archived articles that have each field
HEALTH_FIELD_COVERAGE = {"title": 1.0, "body": 1.0, "published": 0.9, "language": 0.95}
#: the least share of fetched article pages that give an article
HEALTH_MIN_EXTRACTION_RATE = 0.5
#: the most failed fetches and spider exceptions per request
HEALTH_MAX_ERROR_RATE = 0.1
#: the most retries per request
HEALTH_MAX_RETRY_RATE = 0.2
#: the most duplicates per extracted article
HEALTH_MAX_DUPLICATE_RATE = 0.5
#: how a healthy crawl ends
HEALTH_FINISH_REASONS = ["finished"]
#: POST a JSON alert here when a check fails (env NEWSCRAWL_HEALTH_WEBHOOK)
HEALTH_WEBHOOK_URL = os.environ.get("NEWSCRAWL_HEALTH_WEBHOOK") or None
#: mail an alert to these addresses when a check fails (env NEWSCRAWL_HEALTH_EMAIL_TO, comma-separated),
#: through Scrapy's MAIL_HOST, MAIL_PORT, MAIL_FROM, MAIL_USER, MAIL_PASS, MAIL_TLS, MAIL_SSL
HEALTH_EMAIL_TO = [a.strip() for a in os.environ.get("NEWSCRAWL_HEALTH_EMAIL_TO", "").split(",") if a.strip()]
#: seconds an alert may take to send
HEALTH_ALERT_TIMEOUT = 15
# the mail server of the alerts: Scrapy's MAIL_* settings, which a server sets in the environment
MAIL_HOST = os.environ.get("NEWSCRAWL_MAIL_HOST") or "localhost"
MAIL_PORT = int(os.environ.get("NEWSCRAWL_MAIL_PORT") or 25)
MAIL_FROM = os.environ.get("NEWSCRAWL_MAIL_FROM") or "newscrawl@localhost"
MAIL_USER = os.environ.get("NEWSCRAWL_MAIL_USER") or None
MAIL_PASS = os.environ.get("NEWSCRAWL_MAIL_PASS") or None
MAIL_TLS = os.environ.get("NEWSCRAWL_MAIL_TLS", "").lower() in ("1", "true", "yes")
MAIL_SSL = os.environ.get("NEWSCRAWL_MAIL_SSL", "").lower() in ("1", "true", "yes")
