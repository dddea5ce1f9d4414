"""The registry of outlet modules (newscrawl/outlets/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newscrawl.outlets import OUTLET_MODULES, all_outlets, get_outlet


def test_every_outlet_is_named_as_its_module_so_that_a_lookup_imports_only_that_module():
    assert sorted(all_outlets()) == sorted(OUTLET_MODULES)
    for name, outlet in all_outlets().items():
        assert get_outlet(name) is outlet


def test_a_name_that_is_no_outlet_finds_none_without_importing_any_outlet_or_scrapy():
    code = ("import sys; from newscrawl.outlets import get_outlet; "
            "from newscrawl.spiders.workers import extract_in_worker; "
            "assert get_outlet('news.example.org') is None; "
            "print(sorted(m for m in sys.modules if m.startswith(('newscrawl.outlets.', 'scrapy'))))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "['newscrawl.outlets.base']"
