import gc

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newscrawl.extensions.gc import GarbageCollectorTuning


@pytest.fixture
def restore_gc():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_the_crawls_thresholds_apply_while_it_runs_and_the_processs_own_come_back(restore_gc):
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"GC_THRESHOLDS": (50000, 20, 20)})
    extension = GarbageCollectorTuning.from_crawler(crawler)  # noqa: F841 (signals hold it weakly)
    assert gc.get_threshold() == (50000, 20, 20)
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_freeze_count() > 0  # what existed at the start is never scanned again
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_no_thresholds_leave_the_collector_alone(restore_gc):
    with pytest.raises(NotConfigured):
        GarbageCollectorTuning.from_crawler(get_crawler(settings_dict={"GC_THRESHOLDS": None}))


def test_thresholds_must_be_three_numbers(restore_gc):
    with pytest.raises(ValueError, match="three numbers"):
        GarbageCollectorTuning.from_crawler(get_crawler(settings_dict={"GC_THRESHOLDS": "1000,10"}))
