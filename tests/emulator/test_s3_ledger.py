"""Bronze on S3 (moto on loopback, through S3A as in the emulator): a landing file's content identity is
SHA-256 of its bytes, its ETag (from the listing) only tells a known object unread; the same bytes under
another name are a duplicate although their ETag differs; a ledger from before listing tags ("etag:"
checksums) still knows its files; and the lake root spelled s3:// or s3a:// is one lake. The lake report
(lakehouse.report, the gold job's --report_uri) reads such a lake and lands in S3 through S3A."""

import hashlib

import boto3
import pytest
from lakehouse import bronze, delta_io, ops
from lakehouse.config import JobConfig
from pyspark.sql import functions as F

from lakehouse_local.emulator import server
from tests.landing_reads import spy_landing_reads

pytestmark = pytest.mark.slow
BUCKET = "ledger-identity-test"
DATA = b"rate_date,currency,rate_to_usd\n2024-01-02,EUR,1.10\n2024-01-02,GBP,1.27\n"
FILE = "fx_rates/001/fx.csv"
KEY = "lake/landing/" + FILE


@pytest.fixture
def s3_lake(spark, tmp_path, monkeypatch):
    for k, v in server.FAKE_CREDS.items():
        monkeypatch.setenv(k, v)
    proc, endpoint = server.start_moto(tmp_path / "moto.log")
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    settings = {
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.access.key": "testing",
        "fs.s3a.secret.key": "testing",
        "fs.s3a.impl.disable.cache": "true",  # a FileSystem for this endpoint, not one cached by another test
        "fs.s3.impl.disable.cache": "true",
    }
    saved = {k: conf.get(k) for k in settings}
    for k, v in settings.items():
        conf.set(k, v)
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=server.REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=DATA)
        yield s3
    finally:
        for k, v in saved.items():
            if v is None:
                conf.unset(k)
            else:
                conf.set(k, v)
        server.stop(proc)


def _multipart_put(s3, key: str, body: bytes) -> str:
    """Upload `body` as a one-part multipart upload; returns the object's ETag."""
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=body)["ETag"]
    parts = {"Parts": [{"ETag": part, "PartNumber": 1}]}
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload=parts)
    return s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')


def test_content_is_sha256_the_etag_only_a_listing_tag_and_s3_and_s3a_roots_are_one_lake(spark, s3_lake, monkeypatch):
    etag = s3_lake.head_object(Bucket=BUCKET, Key=KEY)["ETag"].strip('"')
    assert etag == hashlib.md5(DATA).hexdigest()  # a plain single-part upload: the ETag is the MD5 of the bytes
    read = spy_landing_reads(monkeypatch)
    first = bronze.run(spark, JobConfig(f"s3a://{BUCKET}/lake", ("fx_rates",), "run-1"))[0]
    assert (first["files"], first["rows"], read) == (1, 2, ["fx_rates/001/fx.csv"])

    # S3 (API reference, Object.ETag): a multipart object's ETag is not an MD5 of its data, whatever the
    # encryption (nor is an SSE-KMS object's): the same bytes get another ETag. Only their content tells.
    copy_etag = _multipart_put(s3_lake, "lake/landing/fx_rates/002/copy.csv", DATA)
    assert copy_etag != etag and copy_etag.endswith("-1")
    read.clear()
    again = bronze.run(spark, JobConfig(f"s3://{BUCKET}/lake", ("fx_rates",), "run-2"))[0]
    assert (again["files"], again["rows"], again["duplicates"]) == (0, 0, [("fx_rates/002/copy.csv", FILE)])
    assert read == ["fx_rates/002/copy.csv"]  # fx.csv known by (path, size, ETag): not read again

    config = JobConfig(f"s3://{BUCKET}/lake")
    sha = "sha256:" + hashlib.sha256(DATA).hexdigest()
    ledger = ops.read(spark, config, "ingest_ledger").select("file", "size", "checksum", "listing_tag", "duplicate_of")
    assert sorted(tuple(r) for r in ledger.collect()) == [
        (FILE, len(DATA), sha, "etag:" + etag.encode().hex(), None),
        ("fx_rates/002/copy.csv", len(DATA), sha, "etag:" + copy_etag.encode().hex(), FILE),
    ]
    rows = delta_io.read(spark, config.paths.bronze("fx_rates")).select(
        "_source_file", "_source_size", "_source_checksum"
    )
    assert {tuple(r) for r in rows.collect()} == {(FILE, len(DATA), sha)}


OLD_LEDGER = (  # ops.ingest_ledger before listing_tag and bronze_version
    "source string, file string, batch_id string, records bigint, ingested_at timestamp, "
    "size bigint, checksum string, redelivery_of string, duplicate_of string"
)


def test_a_ledger_from_before_listing_tags_still_knows_its_files_unread(spark, s3_lake, monkeypatch):
    etag = s3_lake.head_object(Bucket=BUCKET, Key=KEY)["ETag"].strip('"')
    config = JobConfig(f"s3a://{BUCKET}/lake", ("fx_rates",), "run-2")
    # the row the old code wrote: checksum = S3A's getFileChecksum with fs.s3a.etag.checksum.enabled
    old = [("fx_rates", FILE, "run-1", 2, None, len(DATA), "etag:" + etag.encode().hex(), None, None)]
    delta_io.append(
        spark.createDataFrame(old, OLD_LEDGER).withColumn("ingested_at", F.current_timestamp()),
        config.paths.ops("ingest_ledger"),
    )
    read = spy_landing_reads(monkeypatch)
    result = bronze.run(spark, config)[0]
    assert (result["files"], result["duplicates"], result["redelivered"], read) == (0, [], [], [])


@pytest.mark.long  # the deployed chain (test_emulator_chain.py) checks the deployed gold job's report
def test_the_lake_report_of_an_s3_lake_lands_in_s3_through_s3a(spark, s3_lake):
    from lakehouse.report import embedded_data, write_or_warn

    lake = f"s3://{BUCKET}/lake"
    bronze.run(spark, JobConfig(lake, ("fx_rates",), "run-1"))
    assert write_or_warn(spark, lake, f"{lake}/report/index.html")
    page = s3_lake.get_object(Bucket=BUCKET, Key="lake/report/index.html")["Body"].read().decode()
    fx = next(s for s in embedded_data(page)["sources"] if s["source"] == "fx_rates")
    assert (fx["landing_files"], fx["bronze"]) == (1, DATA.count(b"\n") - 1)  # the file's rows, header aside
