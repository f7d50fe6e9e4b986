"""Bronze CSV read: Spark's parallel line reader (fast path) vs the exact reader; prints rows/s.

    python bench/bench_formats.py --rows 100000 [--dir /tmp/bench_formats]

Writes one pos_sales-shaped CSV file of --rows rows (UTF-8, no multi-line records) and parses it
three ways with the pos_sales contract: the default options (fast path, plus its scan for
lines that are not valid UTF-8, also timed alone), `multiline: true` (exact path: binaryFile +
Python csv in one task per file), and `encoding: latin-1` (exact path, line by line). Each read ends
in a count of the parsed columns, so every record is parsed; the first of each runs once to warm up.
"""

import argparse
import dataclasses
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")


def write_csv(path: Path, rows: int) -> None:
    header = "transaction_id,date,store_id,store_name,city,product_id,product_name,category,customer_id,"
    header += "customer_name,quantity_sold,unit_price,total_amount,payment_method,currency\n"
    with path.open("w") as f:
        f.write(header)
        for i in range(rows):
            f.write(
                f"T{i:08d},2024-01-{i % 28 + 1:02d},S{i % 50:03d},Store {i % 50},Paris,P{i % 900:05d},"
                f'"Widget, size {i % 7}",Toys,C{i % 5000:06d},Ann Lee,{i % 9 + 1},9.99,{(i % 9 + 1) * 9.99:.2f},'
                "card,EUR\n"
            )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dir", default="/tmp/bench_formats")
    args = parser.parse_args(argv)

    from lakehouse import bronze
    from lakehouse.contracts import load_contracts
    from lakehouse.runtime import get_spark
    from pyspark.sql import functions as F

    out = Path(args.dir)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    path = out / "sales.csv"
    write_csv(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    spark = get_spark("bench-formats")
    contract = load_contracts(Path(__file__).resolve().parents[1] / "contracts")["pos_sales"]
    variants = {
        "fast (default utf-8 lines)": contract.options,
        "exact (multiline: true)": dataclasses.replace(contract.options, multiline=True),
        "exact (encoding: latin-1)": dataclasses.replace(contract.options, encoding="iso8859-1"),
    }
    print(f"file: {args.rows} rows, {size_mb:.1f} MB, {spark.sparkContext.defaultParallelism} cores")
    for name, options in variants.items():
        c = dataclasses.replace(contract, options=options)
        seconds = []
        for _ in range(2):  # warm-up, then measured
            t0 = time.monotonic()
            df, _ = bronze.parse_csv(spark, [str(path)], c)
            n = df.agg(F.count(F.lit(1)), F.sum(F.col("_corrupt").cast("int")), F.max("_source_line")).first()
            seconds.append(time.monotonic() - t0)
        assert n[0] == args.rows and n[1] == 0 and n[2] == args.rows + 1, n
        print(f"{name:28s} {seconds[-1]:6.1f} s  {args.rows / seconds[-1]:9.0f} rows/s  (warm-up {seconds[0]:.1f} s)")
    t0 = time.monotonic()
    assert bronze._undecodable_files(spark, [str(path)]) == []
    print(f"{'of which the UTF-8 scan':28s} {time.monotonic() - t0:6.1f} s  (fast path only)")
    spark.stop()


if __name__ == "__main__":
    main()
