"""A job's independent per-source (or per-entity) work, a few at a time on the job's one SparkSession.

Each source's work is a chain of small Spark jobs and Delta commits whose time on a day's batch is
mostly the driver's (planning, commit files, Py4J round trips): one at a time leaves cores idle. Spark
runs jobs submitted from separate threads of one application concurrently ("Scheduling Within an
Application" in Spark's job-scheduling docs), and each source writes its own tables, so nothing
they write is shared (ops rows are held by lakehouse.ops.deferred and appended once, at the job's end).
"""

from concurrent.futures import ThreadPoolExecutor

WORKERS = 2  # make lake, 3 batches: see docs/performance.md for the figures behind this number


def run_in_waves(items: list, depends_on, work, workers: int = WORKERS) -> list:
    """work(item) for every item, `workers` at a time; an item starts only after every item it
    depends on (`depends_on(item)`: items, those not in `items` ignored) has ended.

    Returns the results in the order of `items`. When a work raises, the items already started end
    first, no later wave starts, and the first error (in `items` order) is raised.
    """
    level: dict[int, int] = {}

    def depth(i: int, trail=()) -> int:
        if i not in level:
            if i in trail:
                raise ValueError(f"dependency cycle through {[items[t] for t in (*trail, i)]}")
            deps = [items.index(d) for d in depends_on(items[i]) if d in items]
            level[i] = 1 + max((depth(d, (*trail, i)) for d in deps), default=-1)
        return level[i]

    waves: dict[int, list[int]] = {}
    for i in range(len(items)):
        waves.setdefault(depth(i), []).append(i)
    results: dict[int, object] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for wave in sorted(waves):
            futures = {i: pool.submit(work, items[i]) for i in waves[wave]}
            errors = [f.exception() for f in futures.values() if f.exception() is not None]  # waits for all
            if errors:
                raise errors[0]
            results |= {i: f.result() for i, f in futures.items()}
    return [results[i] for i in range(len(items))]
