"""Peak memory and time of ``newscrawl archive export`` as the archive grows: JSON lines, CSV and
Parquet of 10k and 100k records (memory should stay flat: rows are streamed).

Run from the repository root:  python benchmarks/bench_export.py [--sizes 10000,100000] [--save]

The archive is a temporary folder of real record files (markdown, about 3.5 kB of generated
Russian-like text each) with newscrawl's index, its rows inserted in bulk rather than by crawls.
Each export runs as the command a user runs, in its own process, whose peak resident memory the
operating system reports (VmHWM). Nothing is written into the repository but benchmarks/results/ (with --save).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newscrawl.archive.index import ArchiveIndex, utcnow_iso  # noqa: E402
from newscrawl.archive.records import record_name, render_article, url_hash  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
SYLLABLES = ("ка", "за", "хс", "тан", "ал", "ма", "ты", "мос", "ква", "про", "ве", "ли", "со", "вет", "ни", "ро")


def fill(folder: Path, start: int, stop: int, rng: random.Random) -> None:
    """Records ``start`` to ``stop - 1`` as files, and their index rows."""
    index = ArchiveIndex(folder / ".newscrawl" / "index.sqlite")
    rows = []
    for number in range(start, stop):
        url = f"https://example.org/news/{number}"
        words = ["".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(rng.randint(150, 350))]
        paragraphs = [" ".join(words[i:i + 40]).capitalize() + "." for i in range(0, len(words), 40)]
        published = datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=5))) + timedelta(hours=number)
        name = record_name(number, url_hash(url))
        (folder / name).write_text(render_article("markdown", title=" ".join(words[:8]), published=published,
                                                  author="ИА", url=url, outlet_name="Example", paragraphs=paragraphs),
                                   encoding="utf-8")
        rows.append((number, name, url_hash(url), "markdown", "kazinform", "ru", url, url, " ".join(words[:8]),
                     published.isoformat(), published.isoformat()[:7], utcnow_iso(), utcnow_iso()))
    with index.transaction():
        index.db.executemany("INSERT INTO records(number, name, hash, layout, outlet, language, url, canonical_url,"
                             " title, published, month, fetched_at, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             rows)
    index.close()


#: the command, run so that it reports its own peak memory: VmHWM belongs to the process image
#: (the rusage of a child also counts what it shared with this process before it started Python)
EXPORT = ("import atexit, sys\n"
          "from newscrawl.cli import main\n"
          "atexit.register(lambda: print('peak-kib', open('/proc/self/status').read().split('VmHWM:')[1].split()[0],"
          " file=sys.stderr))\n"
          "sys.exit(main(sys.argv[1:]))")


def run_export(folder: Path, fmt: str, output: Path) -> dict[str, float]:
    """One export as a user runs it (``newscrawl archive export``); its seconds and peak resident memory."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", EXPORT, "archive", "export", "--archive", str(folder),
                           "--format", fmt, "-o", str(output)], capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"export failed: {done.stderr}")
    peak = int(done.stderr.split("peak-kib")[1].split()[0])
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(peak / 1024, 1),
            "output_mib": round(output.stat().st_size / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/export.json")
    args = parser.parse_args()
    rng = random.Random(13)
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "archive"
        folder.mkdir()
        have = 0
        for size in sorted(int(s) for s in args.sizes.split(",")):
            fill(folder, have, size, rng)
            have = size
            report[size] = {fmt: run_export(folder, fmt, Path(tmp) / f"out.{fmt}")
                            for fmt in ("jsonl", "csv", "parquet")}
            for fmt, result in report[size].items():
                print(f"{size:>8,} records  {fmt:<8} {result['seconds']:>6.1f} s  peak"
                      f" {result['peak_rss_mib']:>6.1f} MiB  output {result['output_mib']:>7.1f} MiB", flush=True)
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "export.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
