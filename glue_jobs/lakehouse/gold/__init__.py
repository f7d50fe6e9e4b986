"""Gold layer: customer SCD2, FX as-of conversion, marts and the Redshift star schema.

Pure transforms live in pii, fx, scd2, star and marts; I/O in publish; the job in job.run.
"""


def run(spark, config, rebuild: bool = False, **options) -> dict:
    from lakehouse.gold.job import run as _run

    return _run(spark, config, rebuild, **options)


def format_summary(summary: dict) -> str:
    from lakehouse.gold.job import format_summary as _fmt

    return _fmt(summary)
