"""What bronze reads to find a day's new landing files, on a lake with a history (issue 31, items 1-3).

    .venv/bin/python -m bench.bronze_reads [--days 10] [--files 3] [--lines 200]

Builds a local lake of `days` deliveries of `files` fx_rates CSV files each, one bronze run per day,
then delivers one more day and prints, for that run alone: landing files whose content was read to
identify them (delta_io.file_checksum) and their bytes, and the bronze data files (and bytes) read to
find what is already ingested (bronze.delivered). Counted by wrapping those functions, no timings.
"""

import argparse
import os
import tempfile
from pathlib import Path


def _deliver(lake: Path, day: int, files: int, lines: int) -> None:
    for f in range(files):
        path = lake / "landing" / "fx_rates" / f"{day:03d}" / f"fx_{f}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = "".join(f"2024-{1 + day % 12:02d}-{1 + i % 28:02d},C{f}{i},{1 + i / 1000:.4f}\n" for i in range(lines))
        path.write_text("rate_date,currency,rate_to_usd\n" + rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--lines", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ["LAKEHOUSE_RUNTIME"] = "local"
    from lakehouse import bronze, delta_io
    from lakehouse.config import JobConfig
    from lakehouse.runtime import get_spark

    spark = get_spark("bench-bronze-reads")
    lake = Path(tempfile.mkdtemp(prefix="bronze_reads_")) / "lake"
    seen = {"hashed": [], "bronze": []}
    checksum = delta_io.file_checksum

    def hashed(s, fs, hpath):
        seen["hashed"].append(int(fs.getFileStatus(hpath).getLen()))
        return checksum(s, fs, hpath)

    def reading(name):
        original = getattr(delta_io, name)

        def wrapper(*a, **k):
            df = original(*a, **k)
            if df is not None:
                seen["bronze"] += [f for f in df.inputFiles() if "/bronze/" in f]
            return df

        return wrapper

    delta_io.file_checksum = hashed
    for name in ("read_if_exists", "read_files"):  # the whole table / only some commits' files
        if hasattr(delta_io, name):
            setattr(delta_io, name, reading(name))
    for day in range(1, args.days + 2):
        _deliver(lake, day, args.files, args.lines)
        seen = {"hashed": [], "bronze": []}
        bronze.run(spark, JobConfig(str(lake), ("fx_rates",), f"run-{day}"))
    landing = sum(p.stat().st_size for p in (lake / "landing").rglob("*.csv"))
    bronze_bytes = sum(os.path.getsize(f.removeprefix("file:")) for f in seen["bronze"])
    total = args.files * (args.days + 1)
    print(f"lake: {args.days} days of history + 1 new day = {total} landing files, {landing:,} bytes")
    print(f"run of the new day: landing files hashed {len(seen['hashed'])} ({sum(seen['hashed']):,} bytes)")
    print(f"run of the new day: bronze data files read by delivered {len(seen['bronze'])} ({bronze_bytes:,} bytes)")
    whole = delta_io.read(spark, JobConfig(str(lake)).paths.bronze("fx_rates")).inputFiles()
    size = sum(os.path.getsize(f.removeprefix("file:")) for f in whole)
    print(f"the whole bronze table (what delivered grouped before issue 31): {len(whole)} files ({size:,} bytes)")
    spark.stop()


if __name__ == "__main__":
    main()
