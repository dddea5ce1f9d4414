"""Benchmark newscrawl.language.detect_language with xbench's langid command.

Run from the repository root:  python benchmarks/bench_language.py [--save]

Two data sets from the shared folder beside the repository: the labelled ru/kk/en texts
(eval/langid/langid.tsv) and the Latin-script Kazakh articles of qz.inform.kz
(fixtures-real/kazinform/*.jsonl), turned into a temporary TSV with one kk `long` row per article.
Titles of those articles are scored in-process, with and without the edition prior.
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
LANGID_TSV = SHARED / "eval" / "langid" / "langid.tsv"
QZ_DIR = SHARED / "fixtures-real" / "kazinform"
RESULTS = REPO / "benchmarks" / "results"
CALLABLE = "ours=newscrawl.extract.language:detect_language"


def load_qz_records() -> list[dict]:
    """All records of the qz.inform.kz JSON-lines files."""
    records = []
    for path in sorted(QZ_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            records += [json.loads(line) for line in fh if line.strip()]
    return records


def write_qz_tsv(records: list[dict], path: Path) -> None:
    """xbench langid TSV (lang, kind, source, text) with one kk `long` row per article text."""
    lines = ["lang\tkind\tsource\ttext"]
    lines += [f"kk\tlong\t{r['domain']}\t{' '.join(r['text'].split())}" for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_xbench(tsv: Path, name: str, workdir: Path, save: bool) -> dict:
    """Run xbench langid on one TSV; return the summary of our detector."""
    out = workdir / f"{name}.json"
    cmd = [
        sys.executable,
        str(XBENCH),
        "langid",
        "--tsv",
        str(tsv),
        "--text-callable",
        CALLABLE,
        "--json",
        str(out),
    ]
    if save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        cmd += ["--md", str(RESULTS / f"langid_{name}.md")]
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    result = json.loads(out.read_text(encoding="utf-8"))
    if save:
        (RESULTS / f"langid_{name}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result["detectors"]["ours"]


def print_summary(name: str, detector: dict) -> None:
    """One line per length class: accuracy, confusions and microseconds per text."""
    for kind, s in detector["summary"].items():
        wrong = {k: v for k, v in s["confusion"].items() if k.split("->")[0] != k.split("->")[1]}
        print(
            f"{name:7s} {kind:5s} n={s['n']:5d} accuracy={s['accuracy']:.4f} "
            f"us/text mean={s['us_mean']:.0f} median={s['us_median']:.0f} wrong={wrong or '-'}"
        )
    for lang, kind, pred, text in detector["errors"]:
        print(f"        wrong: {lang}/{kind} -> {pred}: {text[:100]}")


def print_title_accuracy(records: list[dict]) -> None:
    """Accuracy on the article titles, without a prior and with the edition's prior 'kk'."""
    sys.path.insert(0, str(REPO))
    from newscrawl.extract.language import detect_language

    for prior in (None, "kk"):
        preds = [detect_language(r["title"], prior) for r in records]
        misses = [r["title"] for r, p in zip(records, preds, strict=True) if p != "kk"]
        accuracy = 1 - len(misses) / len(records)
        print(f"qz      title n={len(records):5d} prior={prior!s:4s} accuracy={accuracy:.4f}")
        for title in misses:
            print(f"        wrong: {title}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--save", action="store_true", help="write xbench tables into benchmarks/results/")
    args = parser.parse_args()
    if not XBENCH.is_file():
        raise SystemExit(f"the shared folder is missing: {SHARED}")
    records = load_qz_records()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print_summary("langid", run_xbench(LANGID_TSV, "langid", workdir, args.save))
        qz_tsv = workdir / "qz_kk_latn.tsv"
        write_qz_tsv(records, qz_tsv)
        print_summary("qz", run_xbench(qz_tsv, "qz", workdir, args.save))
    print_title_accuracy(records)


if __name__ == "__main__":
    main()
