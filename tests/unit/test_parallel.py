"""lakehouse.parallel.run_concurrently: dependencies first, a bounded number at a time, errors not lost."""

import threading
import time

import pytest
from lakehouse import parallel


def test_an_item_starts_after_what_it_depends_on_and_results_keep_the_items_order():
    deps = {"sales": ["products"], "products": [], "customers": [], "returns": ["sales", "elsewhere"]}
    started, ended = {}, {}

    def work(item):
        started[item] = time.monotonic()
        time.sleep(0.05)
        ended[item] = time.monotonic()
        return item.upper()

    items = ["sales", "products", "customers", "returns"]
    assert parallel.run_concurrently(items, deps.get, work) == ["SALES", "PRODUCTS", "CUSTOMERS", "RETURNS"]
    assert started["sales"] >= ended["products"] and started["returns"] >= ended["sales"]


def test_no_more_than_the_workers_run_at_once_and_independent_items_do_overlap():
    running, peak, lock = [0], [0], threading.Lock()

    def work(item):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    parallel.run_concurrently(list(range(6)), lambda i: [], work, workers=2)
    assert peak[0] == 2
    peak[0] = 0
    parallel.run_concurrently(list(range(6)), lambda i: [], work, workers=1)
    assert peak[0] == 1


def test_a_failure_lets_the_running_items_end_starts_no_other_and_is_raised():
    done = []

    def work(item):
        if item == "bad":
            raise RuntimeError("bad source")
        time.sleep(0.05)
        done.append(item)

    deps = {"bad": [], "fine": [], "later": ["fine"]}
    with pytest.raises(RuntimeError, match="bad source"):
        parallel.run_concurrently(["bad", "fine", "later"], deps.get, work, workers=2)
    assert done == ["fine"]


def test_an_item_starts_as_soon_as_its_own_dependencies_end_not_when_everything_before_it_has():
    started, ended = {}, {}

    def work(item):
        started[item] = time.monotonic()
        time.sleep({"products": 0.05, "customers": 0.4}.get(item, 0.05))
        ended[item] = time.monotonic()

    deps = {"customers": [], "products": [], "sales": ["products"]}
    parallel.run_concurrently(["customers", "products", "sales"], deps.get, work, workers=2)
    assert ended["products"] <= started["sales"] < ended["customers"]


def test_a_dependency_cycle_is_named():
    with pytest.raises(ValueError, match="cycle"):
        parallel.run_concurrently(["a", "b"], {"a": ["b"], "b": ["a"]}.get, lambda i: i)
