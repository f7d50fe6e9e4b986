"""Bronze on S3 (moto on loopback, through S3A as in the emulator): a landing file's checksum is the
object's ETag (fs.s3a.etag.checksum.enabled), and the lake root spelled s3:// or s3a:// is one lake."""

import hashlib

import boto3
import pytest
from lakehouse import bronze, delta_io, ops
from lakehouse.config import JobConfig

from lakehouse_local.emulator import server

pytestmark = pytest.mark.slow
BUCKET = "ledger-etag-test"
DATA = b"rate_date,currency,rate_to_usd\n2024-01-02,EUR,1.10\n2024-01-02,GBP,1.27\n"


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
        s3.put_object(Bucket=BUCKET, Key="lake/landing/fx_rates/001/fx.csv", Body=DATA)
        yield s3
    finally:
        for k, v in saved.items():
            if v is None:
                conf.unset(k)
            else:
                conf.set(k, v)
        server.stop(proc)


def test_etag_is_the_checksum_and_s3_and_s3a_roots_are_one_lake(spark, s3_lake):
    etag = s3_lake.head_object(Bucket=BUCKET, Key="lake/landing/fx_rates/001/fx.csv")["ETag"].strip('"')
    assert etag == hashlib.md5(DATA).hexdigest()  # a single-part upload: the ETag is the MD5 of the bytes
    first = bronze.run(spark, JobConfig(f"s3a://{BUCKET}/lake", ("fx_rates",), "run-1"))[0]
    assert (first["files"], first["rows"]) == (1, 2)
    again = bronze.run(spark, JobConfig(f"s3://{BUCKET}/lake", ("fx_rates",), "run-2"))[0]
    assert (again["files"], again["rows"], again["duplicates"]) == (0, 0, [])

    config = JobConfig(f"s3://{BUCKET}/lake")
    want = ("fx_rates/001/fx.csv", len(DATA), "etag:" + etag.encode().hex())
    ledger = ops.read(spark, config, "ingest_ledger").select("file", "size", "checksum").collect()
    assert [tuple(r) for r in ledger] == [want]
    rows = delta_io.read(spark, config.paths.bronze("fx_rates")).select(
        "_source_file", "_source_size", "_source_checksum"
    )
    assert {tuple(r) for r in rows.collect()} == {want}
