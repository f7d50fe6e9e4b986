"""Read a Delta table's transaction log straight from (emulated) S3 with boto3: its schema and
partition columns (for the crawler stand-in) and the rows its recent commits wrote (for the run's
timeline). No Spark needed.
"""

import json


def split_s3(uri: str) -> tuple[str, str]:
    """s3://bucket/key → (bucket, key); s3a:// too."""
    rest = uri.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    return bucket, key


def _commits(s3, bucket: str, table_prefix: str) -> list[dict]:
    """Every JSON commit object under <table>/_delta_log/, oldest first (S3 lists keys in order)."""
    prefix = table_prefix.rstrip("/") + "/_delta_log/"
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o for o in page.get("Contents", []) if o["Key"].endswith(".json")]
    return out


def _actions(s3, bucket: str, key: str) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def table_metadata(s3, location: str) -> dict | None:
    """The latest metaData action of the Delta table at ``location`` (None: not a Delta table yet).

    Delta keeps every JSON commit for 30 days (delta.logRetentionDuration) even after a checkpoint,
    so the newest metaData is always in a JSON commit of a table this young.
    """
    bucket, prefix = split_s3(location)
    meta = None
    for obj in _commits(s3, bucket, prefix):
        for action in _actions(s3, bucket, obj["Key"]):
            meta = action.get("metaData", meta)
    if meta is None:
        return None
    return {"schema": json.loads(meta["schemaString"]), "partition_columns": meta.get("partitionColumns", [])}


def rows_written_since(s3, bucket: str, prefix: str, since) -> dict[str, int]:
    """Rows written per table under s3://bucket/prefix by commits newer than ``since`` (a datetime),
    from each commit's operationMetrics (numOutputRows; MERGE: inserted + updated)."""
    written: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if "/_delta_log/" not in key or not key.endswith(".json") or obj["LastModified"] < since:
                continue
            table = key.split("/_delta_log/")[0]
            for action in _actions(s3, bucket, key):
                metrics = action.get("commitInfo", {}).get("operationMetrics", {})
                n = int(metrics.get("numOutputRows", 0)) or (
                    int(metrics.get("numTargetRowsInserted", 0)) + int(metrics.get("numTargetRowsUpdated", 0))
                )
                written[table] = written.get(table, 0) + n
    return written


def row_count(s3, location: str) -> int:
    """Rows in the current version of the Delta table at ``location``: the numRecords statistics of
    the files its log still adds (every add, minus every remove), read without Spark."""
    bucket, prefix = split_s3(location)
    live: dict[str, int] = {}
    for obj in _commits(s3, bucket, prefix):
        for action in _actions(s3, bucket, obj["Key"]):
            if "add" in action:
                stats = json.loads(action["add"].get("stats") or "{}")
                if "numRecords" not in stats:
                    raise ValueError(f"{location}: file {action['add']['path']} has no numRecords statistics")
                live[action["add"]["path"]] = stats["numRecords"]
            elif "remove" in action:
                live.pop(action["remove"]["path"], None)
    return sum(live.values())
