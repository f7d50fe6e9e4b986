"""gold.dim_date costs nothing as silver.sales grows (issue 31): its calendar bounds, MIN and MAX of
sale_date, are answered from the Delta log's per-file statistics (Delta's metadata-only query
optimisation, on by default in delta-spark 3.3), so gold's day does not scan the sales history for them."""

from datetime import date

from lakehouse import delta_io
from lakehouse.gold import star


def test_dim_date_takes_its_bounds_from_the_delta_log_and_spans_them(spark, tmp_path):
    path = str(tmp_path / "sales")
    for days in ([date(2024, 1, 5), date(2024, 1, 3)], [date(2024, 2, 1)]):  # two commits, two files
        spark.createDataFrame([(d,) for d in days], "sale_date date").write.format("delta").mode("append").save(path)
    dim = star.dim_date(delta_io.read(spark, path))
    plan = dim._jdf.queryExecution().executedPlan().toString()
    assert "LocalTableScan" in plan and "FileScan" not in plan and "Scan parquet" not in plan, plan
    rows = dim.orderBy("date").collect()
    assert (rows[0].date, rows[-1].date, len(rows)) == (date(2024, 1, 3), date(2024, 2, 1), 29 + 1)
    assert (rows[0].date_key, rows[0].day_name, rows[0].is_weekend) == (20240103, "Wednesday", False)
