"""Write the class-data archive local Spark sessions start from (lakehouse.runtime.class_data_flags).

    python -m lakehouse_local.class_data        # `make setup` runs it; nothing to do when it exists

A session's first Delta write, read and MERGE and a CSV read (what every job starts with), in a child
process whose JVM dumps the classes it loaded when it exits (-XX:ArchiveClassesAtExit): about 20 s once.
Idempotent; a failed dump is a warning (sessions then start without it).
"""

import os
import subprocess
import sys
import tempfile
import time

from lakehouse import runtime

WARM_UP = """
from delta.tables import DeltaTable
from lakehouse.runtime import get_spark
spark = get_spark("class-data")
path, rows = {lake!r} + "/t", spark.createDataFrame([(1, "a", "2024-01-01")], "id int, v string, d string")
rows.write.format("delta").save(path)
spark.read.format("delta").load(path).groupBy("v").count().collect()
DeltaTable.forPath(spark, path).alias("t").merge(rows.alias("s"), "t.id = s.id").whenMatchedUpdateAll().execute()
rows.write.mode("overwrite").csv({lake!r} + "/c", header=True)
spark.read.option("header", True).csv({lake!r} + "/c").collect()
spark.stop()
"""


def main() -> int:
    archive = runtime.class_data_archive([runtime.local_fs_jar(), *runtime.local_jars()])
    if archive.is_file():
        return 0
    archive.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, runtime.CLASS_DATA_ENV: "1", "LAKEHOUSE_RUNTIME": "local"}
        done = subprocess.run(
            [sys.executable, "-c", WARM_UP.format(lake=f"{tmp}/lake")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    if done.returncode != 0 or not archive.is_file():
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        print(f"class_data: no archive written (sessions start without it): {tail}", file=sys.stderr)
        return 0
    size = archive.stat().st_size / 1e6
    print(f"class_data: {archive} ({size:.0f} MB) in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
