"""The lake report's figures against the ops tables read by another engine (DuckDB, straight from the
append-only tables' Parquet files) and the generator's ledger: for the report `make lake` writes and
the one the gold job writes with --report_uri, locally and in the emulated account."""

import duckdb
import pytest


def _ops(lake: str, table: str) -> str:
    return f"read_parquet('{lake}/ops/{table}/*.parquet')"  # ops tables are append-only: every file is live


def assert_report_matches_ops(data: dict, lake: str, ledger: dict) -> None:
    """The report's embedded figures (`data`) equal the ops tables under <lake>/ops read by DuckDB, and its
    bronze rows the generator's ledger."""
    db = duckdb.connect()
    landing = {
        (b, s): (int(n), int(f))
        for b, s, n, f in db.sql(
            f"SELECT batch_id, source, sum(records), count(*) FROM {_ops(lake, 'ingest_ledger')} GROUP BY ALL"
        ).fetchall()
    }
    silver = {
        (b, e): tuple(int(x) for x in rest)
        for b, e, *rest in db.sql(
            f"""SELECT p.batch_id, p.dataset, r.rows_in, r.rows_out, r.rows_quarantined, r.duplicates_dropped
                FROM {_ops(lake, "batches_processed")} p JOIN {_ops(lake, "pipeline_runs")} r
                  ON r.run_id = p.run_id AND r.dataset = p.dataset AND r.job = 'silver_clean'
                WHERE p.layer = 'silver'"""
        ).fetchall()
    }
    reported = {(b["batch_id"], s["source"]): s for b in data["batches"] for s in b["sources"]}
    assert set(reported) == set(landing)
    entity = {s["source"]: s["entity"] for s in data["sources"]}
    for key, row in reported.items():
        assert (row["landing"], row["files"]) == landing[key], key
        assert row["bronze"] == row["landing"], key  # bronze rows of the batch = the records its files held
        s = silver[(key[0], entity[key[1]])]
        assert (row["silver_in"], row["silver"], row["quarantined"], row["duplicates"]) == s, key
        assert row["conservation"] == "ok", (key, row["conservation"])
    for source, truth in ledger["sources"].items():  # the generator's ledger, independent of every job
        assert sum(r["bronze"] for (_, s), r in reported.items() if s == source) == truth["landing_records"], source

    outcomes = db.sql(f"SELECT run_id, outcome, count(*) FROM {_ops(lake, 'dq_results')} GROUP BY ALL").fetchall()
    expected = {}
    for run_id, outcome, n in outcomes:
        expected.setdefault(run_id, {})[outcome] = n
    assert {r["run_id"]: {k: r[k] for k in ("Passed", "Failed") if r[k]} for r in data["dq"]["runs"]} == expected
    assert sum(n for _, _, n in outcomes) == sum(o for o in data["dq_outcomes"].values())

    spans = db.sql(
        f"""SELECT run_id, job, round(epoch(max(finished_at)) - epoch(min(started_at)), 1)
            FROM {_ops(lake, "pipeline_runs")} GROUP BY ALL"""
    ).fetchall()
    # the runs that existed when make lake wrote the report: other tests of the shared lake add runs later
    reported_runs = {r["run_id"] for r in data["job_runs"]}
    assert reported_runs <= {r for r, _, _ in spans}
    assert {(r["run_id"], r["job"]): r["seconds"] for r in data["job_runs"]} == pytest.approx(
        {(r, j): s for r, j, s in spans if r in reported_runs}, abs=0.11
    )
