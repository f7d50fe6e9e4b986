"""A job's independent per-source (or per-entity) work, a few at a time on the job's one SparkSession.

Each source's work is a chain of small Spark jobs and Delta commits whose time on a day's batch is
mostly the driver's (planning, commit files, Py4J round trips): one at a time leaves cores idle. Spark
runs jobs submitted from separate threads of one application concurrently ("Scheduling Within an
Application" in Spark's job-scheduling docs), and each source writes its own tables, so nothing
they write is shared (ops rows are held by lakehouse.ops.deferred and appended once, at the job's end).
"""

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

WORKERS = 3  # make lake, 3 batches: chain 98.7 s with 2, 93.0 s with 3 (docs/performance.md)


def run_concurrently(items: list, depends_on, work, workers: int = WORKERS) -> list:
    """work(item) for every item, up to `workers` at a time; an item starts once every item it depends on
    (`depends_on(item)`: items, those not in `items` ignored) has ended. Items others wait for start first.

    Returns the results in the order of `items`. When a work raises, the running items end, no other
    item starts, and the first error (in `items` order) is raised.
    """
    deps = {i: {items.index(d) for d in depends_on(item) if d in items} for i, item in enumerate(items)}
    _check_acyclic(items, deps)
    waited_for = {d for ds in deps.values() for d in ds}
    pending = sorted(range(len(items)), key=lambda i: i not in waited_for)  # stable: else in items' order
    results, errors, running = {}, {}, {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        while pending or running:
            ready = [i for i in pending if deps[i] <= results.keys()] if not errors else []
            for i in ready[: max(1, workers) - len(running)]:
                pending.remove(i)
                running[pool.submit(work, items[i])] = i
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for f in done:
                i = running.pop(f)
                if f.exception() is not None:
                    errors[i] = f.exception()
                else:
                    results[i] = f.result()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(items))]


def _check_acyclic(items: list, deps: dict[int, set[int]]) -> None:
    state: dict[int, str] = {}

    def visit(i: int, trail: tuple) -> None:
        if state.get(i) == "done":
            return
        if i in trail:
            raise ValueError(f"dependency cycle through {[items[t] for t in (*trail, i)]}")
        for d in deps[i]:
            visit(d, (*trail, i))
        state[i] = "done"

    for i in deps:
        visit(i, ())
