"""Generator throughput and memory: a reference run and a 10x run in the same process.

    .venv/bin/python bench/bench_generator.py [--rows 20000]

Prints rows/s and the peak-RSS growth of each run. Sales, web events and truth stream to disk;
what grows with --rows is the customer master (rows/8, capped at 50,000 customers), so RSS
growth stops once that cap is reached.
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "glue_jobs"))
from lakehouse_local.sample_data import generate  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(rows: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        before = peak_rss_mb()
        t = time.perf_counter()
        generate(out, rows=rows, batches=3, seed=1)
        return time.perf_counter() - t, peak_rss_mb() - before


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000, help="reference size; the second run is 10x")
    args = ap.parse_args()
    ref_s, ref_mb = timed(args.rows)
    big_s, big_mb = timed(args.rows * 10)
    print(f"reference {args.rows:>9} rows: {ref_s:6.2f} s  {args.rows / ref_s:>9.0f} rows/s  peak RSS +{ref_mb:.1f} MB")
    print(
        f"10x       {args.rows * 10:>9} rows: {big_s:6.2f} s  {args.rows * 10 / big_s:>9.0f} rows/s  "
        f"peak RSS +{big_mb:.1f} MB"
    )
    print(f"time ratio 10x/ref: {big_s / ref_s:.1f} (10 = linear)")


if __name__ == "__main__":
    main()
