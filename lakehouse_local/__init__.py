"""What runs only on a laptop or in tests: sample data, the local runner, the run summary and the
Trino/PostgreSQL harnesses. Never zipped for Glue (scripts/build_package.py ships glue_jobs/lakehouse only)."""
