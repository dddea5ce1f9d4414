import asyncio
import time
from types import SimpleNamespace

import pytest
import workertasks
from faultsite import runaway_page

import newscrawl.spiders.workers as workers
from newscrawl.dedupe.fingerprints import body_fingerprints
from newscrawl.dedupe.neardup import signature_of
from newscrawl.reading import Skip
from newscrawl.spiders.workers import TIMED_OUT, Extractor, extract_in_worker, resolve_processes

PAGE = ("<html><head><title>Заголовок новости дня</title></head><body><article><h1>Заголовок новости дня</h1>"
        "<p>Первый абзац новости, достаточно длинный для статьи, с подробностями события.</p>"
        "<p>Второй абзац новости с продолжением рассказа и цитатой участника.</p></article></body></html>")


def run(coro):
    return asyncio.run(coro)


def test_minus_one_means_one_worker_per_core():
    assert resolve_processes(-1) >= 1 and resolve_processes(0) == 0 and resolve_processes(3) == 3


def test_a_page_is_extracted_in_a_worker_process_with_the_keys_of_its_text():
    extractor = Extractor(1, timeout=30)

    async def go():
        try:
            return await extractor.parse(PAGE, "https://example.org/news/1", None)
        finally:
            extractor.close()

    fields = run(go())
    assert fields.title == "Заголовок новости дня" and "Второй абзац" in fields.body
    keys = fields.text_keys  # made in the worker, still belonging to the title and body after the trip
    assert keys.belongs_to(fields.title, fields.body)
    assert keys.fingerprints == body_fingerprints(fields.title, fields.body)
    assert keys.signature == signature_of(fields.title, fields.body)


def test_runaway_page_is_stopped_by_its_time_limit_inside_the_worker():
    assert extract_in_worker(runaway_page().decode(), "https://example.org/x", None, 0.5) == TIMED_OUT


def test_worker_that_does_not_stop_is_killed_and_the_pool_goes_on():
    extractor = Extractor(2, timeout=0.5, kill_grace=0.5, task=workertasks.stuck)

    async def go():
        try:
            stuck, quick = await asyncio.gather(extractor.parse("stuck", "https://example.org/a", None),
                                                extractor.parse("quick", "https://example.org/b", None))
            after = await extractor.parse("quick", "https://example.org/c", None)
            return stuck, quick, after
        finally:
            extractor.close()

    stuck, quick, after = run(go())
    assert stuck == TIMED_OUT and quick["pid"] and after["pid"]
    assert extractor.counts == {"timeouts": 1, "workers_killed": 1}


@pytest.mark.parametrize("processes", [0, 1])
def test_an_unreadable_page_gives_empty_fields_not_an_error(processes):
    extractor = Extractor(processes, timeout=30)

    async def go():
        try:
            return await extractor.parse("", "https://example.org/empty", None)
        finally:
            extractor.close()

    assert run(go()) == Skip("unparsable_page")


def test_a_time_limit_that_the_extracting_code_swallows_still_gives_no_fields(monkeypatch):
    def swallows_alarms(html, url, outlet):
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            try:
                while time.monotonic() < end:
                    pass
            except BaseException:  # as code called back from C, or a finalizer, may lose an exception
                pass
        return SimpleNamespace(title="t", body="b")

    monkeypatch.setattr(workers, "parse_page", swallows_alarms)
    assert extract_in_worker("<html></html>", "https://example.org/x", None, 0.2) == TIMED_OUT


def test_a_page_done_in_time_keeps_its_fields_after_earlier_pages_ran_out_of_time():
    assert extract_in_worker(runaway_page().decode(), "https://example.org/x", None, 0.3) == TIMED_OUT
    assert extract_in_worker(PAGE, "https://example.org/news/1", None, 30).title == "Заголовок новости дня"
