"""lakehouse.metrics: silver's DQ rule outcomes as CloudWatch metrics (moto in-process)."""

import json
import logging
from datetime import UTC, datetime

import boto3
import pytest
from lakehouse import metrics
from moto import mock_aws

WHEN = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OUTCOMES = [
    {"rule_name": "sale_id_complete", "outcome": "Passed", "flagged_rows": 0},
    {"rule_name": "quantity_positive", "outcome": "Failed", "flagged_rows": 7},
    {"rule_name": "row_count", "outcome": "Failed", "flagged_rows": None},
    {"rule_name": "fresh", "outcome": "Skipped", "flagged_rows": None},
]


def _sum(cw, name, rule):
    stats = cw.get_metric_statistics(
        Namespace=metrics.NAMESPACE,
        MetricName=name,
        Dimensions=[{"Name": "entity", "Value": "sales"}, {"Name": "rule", "Value": rule}],
        StartTime=datetime(2026, 11, 25, 11, 0, tzinfo=UTC),
        EndTime=datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
        Period=3600,
        Statistics=["Sum"],
    )["Datapoints"]
    return [d["Sum"] for d in stats]


def test_outcomes_become_rule_failed_and_failed_rows_per_entity_and_rule():
    with mock_aws():
        cw = boto3.client("cloudwatch", region_name="eu-west-1")
        sent = metrics.publish_rule_outcomes("sales", OUTCOMES, cloudwatch=cw, timestamp=WHEN)
        # by hand: 3 pass/fail outcomes -> 3 RuleFailed; 2 of them count rows -> 2 FailedRows
        assert sent == 5
        assert _sum(cw, "RuleFailed", "quantity_positive") == [1.0]
        assert _sum(cw, "RuleFailed", "row_count") == [1.0]
        assert _sum(cw, "RuleFailed", "sale_id_complete") == [0.0]
        assert _sum(cw, "FailedRows", "quantity_positive") == [7.0]
        assert _sum(cw, "RuleFailed", "fresh") == [], "skipped rules publish nothing"
        listed = cw.list_metrics(Namespace=metrics.NAMESPACE)["Metrics"]
        assert {tuple(d["Name"] for d in m["Dimensions"]) for m in listed} == {metrics.DIMENSIONS}


class Recorder:
    def __init__(self):
        self.calls = []

    def put_metric_data(self, Namespace, MetricData):  # noqa: N803 - boto3's keyword names
        self.calls.append((Namespace, MetricData))


def test_requests_stay_within_the_put_metric_data_limits():
    many = [{"rule_name": f"rule_{i}", "outcome": "Failed", "flagged_rows": i} for i in range(1201)]
    cw = Recorder()
    assert metrics.publish_rule_outcomes("sales", many, cloudwatch=cw, timestamp=WHEN) == 2402
    assert [len(data) for _, data in cw.calls] == [1000, 1000, 402]
    assert {ns for ns, _ in cw.calls} == {metrics.NAMESPACE}


def test_requests_are_split_by_size_too():
    long = [{"rule_name": "r" * 5000 + str(i), "outcome": "Failed", "flagged_rows": 1} for i in range(900)]
    cw = Recorder()
    assert metrics.publish_rule_outcomes("sales", long, cloudwatch=cw, timestamp=WHEN) == 1800
    assert len(cw.calls) > 2, "1800 datums of ~1.2 KB cannot fit in two 1 MB requests"
    for _, data in cw.calls:
        assert len(data) <= 1000 and len(json.dumps(data, default=str)) <= 1_000_000
        assert all(len(d["Dimensions"][1]["Value"]) == metrics.MAX_DIMENSION_VALUE for d in data)
    assert sum(len(d) for _, d in cw.calls) == 1800


def test_locally_without_an_endpoint_it_is_a_no_op_with_one_log_line(monkeypatch, caplog):
    for var in metrics.ENDPOINT_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LAKEHOUSE_RUNTIME", "local")
    monkeypatch.setattr(boto3, "client", lambda *a, **k: pytest.fail("no AWS call expected"))
    with caplog.at_level(logging.INFO, logger="lakehouse.metrics"):
        assert metrics.publish_rule_outcomes("sales", OUTCOMES) == 0
    assert [r.getMessage() for r in caplog.records] == [
        "DQ metrics for sales not published: not in Glue and no AWS endpoint configured"
    ]


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"LAKEHOUSE_RUNTIME": "local"}, False),
        ({"LAKEHOUSE_RUNTIME": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, True),
        ({"LAKEHOUSE_RUNTIME": "local", "AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:5000"}, True),
        ({}, True),  # inside Glue (LAKEHOUSE_RUNTIME unset)
    ],
)
def test_enabled_in_glue_or_with_an_emulator(monkeypatch, env, expected):
    for var in ("LAKEHOUSE_RUNTIME", *metrics.ENDPOINT_VARS):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert metrics.enabled() is expected
