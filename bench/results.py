"""One table for the whole of `make bench`: each benchmark records its figures against their
targets here, and `python bench/results.py` prints them together at the end.

A benchmark run alone (without BENCH_RESULTS in the environment) records nothing and prints
only its own figures.
"""

import json
import os
import sys
from pathlib import Path


def record(bench: str, figure: str, value: str, target: str = "", ok: bool | None = None) -> None:
    """Add one row: ``value`` is the figure as printed, ``target`` what it must meet."""
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    row = {"bench": bench, "figure": figure, "value": value, "target": target, "ok": ok}
    with Path(path).open("a") as out:
        out.write(json.dumps(row) + "\n")


def verdict(ok: bool | None) -> str:
    return "" if ok is None else "PASS" if ok else "MISS"


def main() -> int:
    path = Path(os.environ.get("BENCH_RESULTS", sys.argv[1] if len(sys.argv) > 1 else ""))
    if not path.is_file():
        print("no results recorded (run `make bench`)")
        return 1
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    widths = [max(len(str(row[key])) for row in rows) for key in ("bench", "figure", "value")]
    print()
    print("Summary (the targets of issues 13 and 14)")
    for row in rows:
        print(
            f"{row['bench']:<{widths[0]}}  {row['figure']:<{widths[1]}}  "
            f"{row['value']:>{widths[2]}}  {row['target']:<22} {verdict(row['ok'])}"
        )
    missed = sum(1 for row in rows if row["ok"] is False)
    print(f"{missed} target(s) missed" if missed else "every target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
