"""Running newscrawl on a server: the schedule and its Scrapyd client, crawl reports, health checks and
their monitors, and the status overview."""
