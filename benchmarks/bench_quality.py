"""Extraction quality of newscrawl against the shared labelled pages, through xbench.

Run from the repository root:  python benchmarks/bench_quality.py [--save] [--limit N]

Scores ``newscrawl.reading:extract_article`` (the same extraction and tagging as a crawl) and the
reference baselines on:
  body text   the 438 pages of ../shared/eval (aeb + wcxb_articles), AEB 4-gram F1
  dates       exact publication day on the dated pages (htmldate + wcxb_articles)
Language accuracy has its own script, benchmarks/bench_language.py.
With --save the xbench tables go to benchmarks/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
XBENCH = SHARED / "tools" / "xbench" / "xbench.py"
RESULTS = REPO / "benchmarks" / "results"
CALLABLE = "ours=newscrawl.reading:extract_article"


def run(command: str, baseline_flag: list[str], workdir: Path, limit: int | None, save: bool) -> dict:
    """Run one xbench command with our callable and a baseline; return its JSON results."""
    out = workdir / f"{command}.json"
    cmd = [sys.executable, str(XBENCH), command, *baseline_flag, "--callable", CALLABLE, "--json", str(out)]
    if limit:
        cmd += ["--limit", str(limit)]
    if save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        cmd += ["--md", str(RESULTS / f"quality-{command}.md")]
    subprocess.run(cmd, cwd=REPO, check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", action="store_true", help="keep the xbench tables in benchmarks/results/")
    parser.add_argument("--limit", type=int, help="pages per data set (quick runs)")
    args = parser.parse_args()
    if not XBENCH.exists():
        raise SystemExit(f"xbench not found at {XBENCH}: the shared folder must sit beside the repository")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        extract = run("extract", ["--extractors", "trafilatura_nocomments"], work, args.limit, args.save)
        dates = run("date", ["--methods", "htmldate_extensive"], work, args.limit, args.save)
    print("\nbody text, AEB 4-gram shingles:")
    for name, res in extract["extractors"].items():
        ov = res["summary"]["ALL"]
        print(f"  {name:<24} F1 {ov['f1']:.3f} (P {ov['precision']:.3f}, R {ov['recall']:.3f})"
              f"  {ov.get('ms_mean', float('nan')):.1f} ms/page")
    print("\npublication day:")
    for name, res in dates["methods"].items():
        ov = res["summary"]["ALL"]
        print(f"  {name:<24} exact day {ov['accuracy']:.3f} on {ov['n']} pages (found on {ov['coverage']:.1%})")

if __name__ == "__main__":
    main()
