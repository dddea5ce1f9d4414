"""Scrapy settings of newscrawl. Every setting can be overridden with ``-s NAME=value``; the
places a server installation points elsewhere also come from the environment
(``NEWSCRAWL_ARCHIVE_DIR=/srv/newscrawl/archive``)."""

import os

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.outlets", "newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.outlets"

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
REDIRECT_MAX_TIMES = 10
# items are small and pipelines are quick; Scrapy's default of 100 costs time per response
# (0.6-1.0 ms); records are written in a thread of their own, so a few items in flight suffice
CONCURRENT_ITEMS = 8

DOWNLOADER_MIDDLEWARES = {
    # answers every request from saved WARC responses when REPLAY is set
    "newscrawl.middlewares.replay.ReplayMiddleware": 950,
    # the raw archive (RAW_ARCHIVE_DIR): redirects before RedirectMiddleware (600) follows them,
    # everything else after HttpCompressionMiddleware (590) has decoded the body
    "newscrawl.middlewares.rawarchive.RawArchiveRedirectMiddleware": 605,
    "newscrawl.middlewares.rawarchive.RawArchiveMiddleware": 585,
}

EXTENSIONS = {
    "newscrawl.extensions.report.CrawlReport": 900,
}

ITEM_PIPELINES = {
    "newscrawl.pipelines.dedupe.DedupePipeline": 100,
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
#: write records and index entries in a thread of their own (file and index I/O never holds the crawl)
ARCHIVE_WRITER_THREAD = True
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
#: a raw-archive WARC file is closed and the next one begun past this size (bytes)
RAW_ARCHIVE_MAX_BYTES = 1024 * 1024 * 1024
#: listing pages an incremental crawl walks at most per edition and listing
INCREMENTAL_MAX_PAGES = 10
#: listing pages a backfill walks at most per edition and listing (a safety bound)
BACKFILL_MAX_PAGES = 100000

#: where to write each crawl's JSON report (``%(name)s``, ``%(time)s`` filled in); unset: none
CRAWL_REPORT = os.environ.get("NEWSCRAWL_CRAWL_REPORT") or None

LOG_LEVEL = "INFO"
