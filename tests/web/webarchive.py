"""A small archive for the web view's tests: four articles in three outlets and languages, a refused
duplicate and a crawl report."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from newscrawl.archive import Archive
from newscrawl.archiving import Archiver
from newscrawl.items import Article

ALMATY = ZoneInfo("Asia/Almaty")
ARTICLES = [
    ("kazinform", "ru", "Аким встретился с делегацией",
     "Заместитель акима города Алматы Ержан Бабакумаров принял делегацию из Москвы."),
    ("totalkz", "ru", "Меморандум подписан", "Документ подписали в Алматы. Бабакумарова поблагодарили за работу."),
    ("qazaqtv", "kk", "Алматыда жаңа саябақ", "Алматыда жаңа саябақ ашылды. Қала тұрғындары қуанды."),
    ("qazaqtv", "en", "Elections in Almaty", "Almaty residents elected a new council."),
]


def make_archive(root: Path, reports: Path | None = None) -> Archive:
    """Write the articles (records 001-004) and, with ``reports``, two crawl reports of kazinform."""
    archiver = Archiver.open(root, fsync=False)
    archive = archiver.archive
    archive.folder.sync_counter(0)
    for n, (outlet, language, title, body) in enumerate(ARTICLES, start=1):
        url = f"https://example.kz/{outlet}/news/{n}"
        archiver.add(Article(url=url, canonical_url=url, outlet=outlet, edition=language, title=title, body=body,
                            language=language, published=datetime(2024, n, 15, 10, 0, tzinfo=ALMATY),
                            fetched_at=datetime(2024, 6, 1, 8, 0, tzinfo=ALMATY)))
    archive.index.add_duplicate("https://other.kz/copy-of-1", "totalkz", "body", 1, 0.97)
    if reports is not None:
        for name, health, reason in (("20240601T080000Z_j1", "passed", "finished"),
                                     ("20240602T080000Z_j2", "failed", "finished")):
            folder = reports / "kazinform"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.json").write_text(json.dumps({
                "spider": "kazinform", "reason": reason, "job": name[-2:], "written_at": name[:16],
                "arguments": {}, "stats": {"newscrawl/archived": 3, "finish_time": f"2024-06-0{name[7]}T08:00:00"},
                "health": {"status": health, "failed": ["item_count"] if health == "failed" else [], "checks": []},
            }), encoding="utf-8")
    return archive
