"""Publish the silver job's DQ rule outcomes as CloudWatch metrics, so the DQ alarm can fire.

The jobs evaluate DQDL with pydeequ, not with Glue Data Quality, so Glue's own
``glue.data.quality.*`` metrics never appear for them. Per rule outcome this publishes, in
:data:`NAMESPACE` with dimensions ``entity`` and ``rule``:

* ``RuleFailed``: 1 when the rule failed, 0 when it passed (skipped rules publish nothing);
* ``FailedRows``: the rows that failed it, when the rule counts rows.

Terraform's DQ alarm reads the same names (terraform/locals_jobs.tf and module ``monitoring``;
tests/infra/test_plan.py checks they agree).

Inside Glue the call goes to CloudWatch in the job's region. Elsewhere it goes to the emulator
when ``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_CLOUDWATCH``) is set, and is otherwise a no-op
with one log line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime

from lakehouse import runtime

log = logging.getLogger(__name__)

NAMESPACE = "Lakehouse/DataQuality"
RULE_FAILED = "RuleFailed"
FAILED_ROWS = "FailedRows"
DIMENSIONS = ("entity", "rule")

# PutMetricData takes at most 1000 metrics and 1 MB per request, at most 30 dimensions per
# metric ("PutMetricData", Amazon CloudWatch API Reference,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
MAX_DATUMS_PER_REQUEST = 1000
MAX_REQUEST_BYTES = 900_000  # below 1 MB, leaving room for the request envelope
MAX_DIMENSION_VALUE = 1024
ENDPOINT_VARS = ("AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL")


def enabled() -> bool:
    """Publish inside Glue, or locally when an AWS endpoint (the emulator) is configured."""
    return runtime.in_glue() or any(os.environ.get(v) for v in ENDPOINT_VARS)


def datums(entity: str, outcomes: Iterable[dict], timestamp: datetime) -> list[dict]:
    """MetricData entries for the outcomes (dicts with rule_name, outcome, flagged_rows)."""
    out = []
    for o in outcomes:
        if o["outcome"] not in ("Passed", "Failed"):
            continue
        dims = [
            {"Name": "entity", "Value": entity[:MAX_DIMENSION_VALUE]},
            {"Name": "rule", "Value": str(o["rule_name"])[:MAX_DIMENSION_VALUE]},
        ]
        base = {"Dimensions": dims, "Timestamp": timestamp}
        out.append({**base, "MetricName": RULE_FAILED, "Value": 1.0 if o["outcome"] == "Failed" else 0.0})
        if o.get("flagged_rows") is not None:
            out.append({**base, "MetricName": FAILED_ROWS, "Value": float(o["flagged_rows"]), "Unit": "Count"})
    return out


def batches(items: list[dict]) -> list[list[dict]]:
    """Split MetricData into requests within the count and size limits."""
    out, current, size = [], [], 0
    for d in items:
        n = len(json.dumps(d, default=str))
        if current and (len(current) == MAX_DATUMS_PER_REQUEST or size + n > MAX_REQUEST_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(d)
        size += n
    if current:
        out.append(current)
    return out


def publish_rule_outcomes(entity: str, outcomes: list[dict], cloudwatch=None, timestamp: datetime | None = None) -> int:
    """Put one datum per metric and outcome; returns how many were sent (0 when disabled).

    ``cloudwatch`` is a boto3 CloudWatch client (tests inject one); by default one is built
    from the environment. A failed call raises: an alarm that silently stops seeing data is
    worse than a failed run.
    """
    if cloudwatch is None and not enabled():
        log.info("DQ metrics for %s not published: not in Glue and no AWS endpoint configured", entity)
        return 0
    data = datums(entity, outcomes, timestamp or datetime.now(UTC))
    if not data:
        return 0
    if cloudwatch is None:
        import boto3

        cloudwatch = boto3.client("cloudwatch")
    for batch in batches(data):
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=batch)
    return len(data)
