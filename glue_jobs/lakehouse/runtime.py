"""The one place that builds a SparkSession.

Inside AWS Glue the script hands over Glue's own classes and we wrap the GlueContext's
session (Delta comes from --datalake-formats, Deequ from --extra-jars). Locally
(LAKEHOUSE_RUNTIME=local, set by the local runner and the tests) we start Spark with the
Delta extension and the jars that `make setup` fetched into .cache/jars.
"""

import os
from contextlib import contextmanager
from pathlib import Path

from lakehouse.errors import SetupError

REPO_ROOT = Path(__file__).resolve().parents[2]
JARS_LIST = REPO_ROOT / "jars.txt"
FIX_COMMAND = "make setup   (or: scripts/fetch_jars.sh)"

# pydeequ reads SPARK_VERSION at import time to pick its Deequ coordinates.
os.environ.setdefault("SPARK_VERSION", "3.5")


def in_glue() -> bool:
    return os.environ.get("LAKEHOUSE_RUNTIME", "glue") != "local"


def jars_dir() -> Path:
    return Path(os.environ.get("LAKEHOUSE_JARS_DIR", REPO_ROOT / ".cache" / "jars"))


def local_jars() -> list[str]:
    """Jar paths listed in jars.txt; a missing one raises with the command that fixes it.

    LAKEHOUSE_JARS (comma-separated paths) replaces the list: the emulator's Glue runner sets it to
    the job's --extra-jars plus what --datalake-formats provides, as Glue would.
    """
    if os.environ.get("LAKEHOUSE_JARS"):
        wanted = [Path(p) for p in os.environ["LAKEHOUSE_JARS"].split(",") if p]
        missing = [str(p) for p in wanted if not p.is_file()]
        if missing:
            raise SetupError(f"LAKEHOUSE_JARS names missing jars: {', '.join(missing)}")
        return [str(p) for p in wanted]
    if not JARS_LIST.exists():
        raise SetupError(f"{JARS_LIST} not found: run from a checkout of the project")
    wanted = []
    for line in JARS_LIST.read_text().splitlines():
        coord = line.split("#", 1)[0].strip()
        if coord:
            _, artifact, version = coord.split(":")
            wanted.append(jars_dir() / f"{artifact}-{version}.jar")
    missing = [p.name for p in wanted if not p.is_file()]
    if missing:
        raise SetupError(f"missing jars in {jars_dir()}: {', '.join(missing)}. Fix: {FIX_COMMAND}")
    return [str(p) for p in wanted]


def get_spark(app_name: str = "lakehouse"):
    """A local SparkSession with Delta, Deequ and s3a (for the moto emulator)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local Spark stays on loopback
    builder = (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("LAKEHOUSE_SPARK_MASTER", "local[2]"))
        .config("spark.jars", ",".join(local_jars()))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", os.environ.get("LAKEHOUSE_SHUFFLE_PARTITIONS", "4"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("LAKEHOUSE_DRIVER_MEMORY", "3g"))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.driver.extraJavaOptions", "-Dderby.system.home=/tmp/derby")
    )
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:  # s3:// and s3a:// against the emulator, path-style
        for scheme in ("s3", "s3a"):
            builder = builder.config(f"spark.hadoop.fs.{scheme}.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem")
        builder = (
            builder.config("spark.hadoop.fs.s3a.endpoint", endpoint)
            .config("spark.hadoop.fs.s3a.path.style.access", "true")
            .config("spark.hadoop.fs.s3a.connection.ssl.enabled", str(endpoint.startswith("https")).lower())
            .config(
                "spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
            )
            .config("spark.hadoop.fs.s3a.access.key", os.environ.get("AWS_ACCESS_KEY_ID", "testing"))
            .config("spark.hadoop.fs.s3a.secret.key", os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def shutdown_pydeequ(spark) -> None:
    """pydeequ starts a Py4J callback server; left running, it keeps a Glue job from ending."""
    try:
        spark.sparkContext._gateway.shutdown_callback_server()
    except Exception:  # noqa: BLE001 - nothing to shut down is fine
        pass


@contextmanager
def glue_session(args: dict, glue_context_cls=None, job_cls=None):
    """Yield the job's SparkSession; commit the Glue job only when the body succeeds.

    The Glue scripts pass awsglue's GlueContext and Job classes, so this package never
    imports awsglue itself.
    """
    job = None
    if in_glue() and glue_context_cls is not None:
        from pyspark.context import SparkContext

        glue_context = glue_context_cls(SparkContext.getOrCreate())
        job = job_cls(glue_context)
        job.init(args["JOB_NAME"], args)
        spark = glue_context.spark_session
    else:
        spark = get_spark(args.get("JOB_NAME", "lakehouse"))
    try:
        yield spark
    finally:
        shutdown_pydeequ(spark)
    if job is not None:
        job.commit()
