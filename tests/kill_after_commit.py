"""Test-only: run bronze then silver and SIGKILL this process right after its N-th Delta commit.

    python -m tests.kill_after_commit <lake_root> <run_id> <source> <N>

`count_commits` wraps lakehouse.delta_io's writers (each call is one Delta commit; a writer calling
another inside counts once), so production code carries no test hook.
"""

import os
import signal
import sys

from lakehouse import delta_io

WRITERS = ("append", "overwrite", "replace_batches", "merge_upsert", "insert_absent", "update_matched")


def count_commits(after_commit=lambda n: None) -> dict:
    """Wrap delta_io's writers; call after_commit(n) after the n-th outermost one. Returns the counter."""
    state = {"depth": 0, "commits": 0, "originals": {}}
    for name in WRITERS:
        original = getattr(delta_io, name)
        state["originals"][name] = original

        def wrapped(*args, _original=original, **kwargs):
            state["depth"] += 1
            try:
                result = _original(*args, **kwargs)
            finally:
                state["depth"] -= 1
            if state["depth"] == 0:
                state["commits"] += 1
                after_commit(state["commits"])
            return result

        setattr(delta_io, name, wrapped)
    return state


def restore(state: dict) -> None:
    for name, original in state["originals"].items():
        setattr(delta_io, name, original)


def run_chain(spark, lake_root: str, run_id: str, source: str) -> None:
    from lakehouse import bronze, silver
    from lakehouse.config import JobConfig

    config = JobConfig(lake_root, (source,), run_id)
    bronze.run(spark, config)
    silver.run(spark, config)


def main(argv: list[str]) -> None:
    lake_root, run_id, source, kill_at = argv[0], argv[1], argv[2], int(argv[3])
    os.environ["LAKEHOUSE_RUNTIME"] = "local"
    from lakehouse.runtime import get_spark

    spark = get_spark("kill-after-commit")

    def kill(n):
        if n == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    count_commits(kill)
    run_chain(spark, lake_root, run_id, source)
    print("finished without being killed")


if __name__ == "__main__":
    main(sys.argv[1:])
