import os
from pathlib import Path

import pytest
from lakehouse import runtime
from lakehouse.config import parse_sources
from lakehouse.errors import SetupError


def test_missing_jar_names_the_fixing_command(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKEHOUSE_JARS_DIR", str(tmp_path))
    with pytest.raises(SetupError) as err:
        runtime.local_jars()
    assert "deequ-2.1.0-spark-3.5.jar" in str(err.value) and "make setup" in str(err.value)


def test_jar_list_matches_the_pinned_runtime():
    names = [p.rsplit("/", 1)[-1] for p in runtime.local_jars()]
    assert names == [
        "delta-spark_2.12-3.3.2.jar",
        "delta-storage-3.3.2.jar",
        "deequ-2.1.0-spark-3.5.jar",
        "dqdl-1.0.0.jar",
        "hadoop-aws-3.3.4.jar",
        "aws-java-sdk-bundle-1.12.262.jar",
    ]


def test_sources_argument():
    assert parse_sources("all") == () and parse_sources("") == ()
    assert parse_sources(" pos_sales, customers ") == ("pos_sales", "customers")


def test_quiet_log4j2_config_keeps_warnings_but_mutes_known_noise(monkeypatch):
    monkeypatch.delenv(runtime.VERBOSE_ENV, raising=False)
    props = dict(line.split(" = ", 1) for line in runtime.log4j2_properties().splitlines() if " = " in line)
    assert props["rootLogger.level"] == "warn"  # real warnings from Spark, Delta, Deequ still show
    muted = {
        props[k]: props[k.replace(".name", ".level")]
        for k in props
        if k.startswith("logger.quiet") and k.endswith(".name")
    }
    assert muted == {
        "org.apache.hadoop.util.NativeCodeLoader": "error",
        "org.apache.spark.sql.catalyst.util.SparkStringUtils": "error",
    }


def test_verbose_shows_everything(monkeypatch):
    monkeypatch.setenv(runtime.VERBOSE_ENV, "1")
    assert "NativeCodeLoader" not in runtime.log4j2_properties()
    monkeypatch.delenv(runtime.VERBOSE_ENV)
    monkeypatch.setattr("sys.argv", ["silver_clean.py", "--JOB_NAME", "x", "--lakehouse_verbose", "true"])
    assert runtime.verbose()  # the Glue job argument
    monkeypatch.setattr("sys.argv", ["silver_clean.py", "--lakehouse_verbose", "false"])
    assert not runtime.verbose()


def test_local_session_is_sized_for_a_small_machine(spark):
    """The settings bench/ and the closing figures rest on: no AQE re-planning, a code cache the chain
    fits in, uncompressed in-memory caches, ParallelGC, and (the tests set LAKEHOUSE_CODEGEN=off)
    interpreted expressions."""
    conf = spark.sparkContext.getConf()
    assert spark.conf.get("spark.sql.adaptive.enabled") == "false"
    assert int(spark.conf.get("spark.sql.codegen.cache.maxEntries")) >= 2000  # the chain compiles ~1,150 classes
    assert spark.conf.get("spark.sql.inMemoryColumnarStorage.compressed") == "false"
    assert "-XX:+UseParallelGC" in conf.get("spark.driver.extraJavaOptions")
    assert spark.conf.get("spark.sql.codegen.wholeStage") == "false"
    assert spark.conf.get("spark.sql.codegen.factoryMode") == "NO_CODEGEN"
    gc = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()
    assert {b.getName() for b in gc} == {"PS Scavenge", "PS MarkSweep"}  # the JVM really runs ParallelGC
    # 1 MB memory pages, not the 32 MB Spark derives from a 3g driver on 2 cores: the memory manager uses it
    assert spark.sparkContext._jvm.org.apache.spark.SparkEnv.get().memoryManager().pageSizeBytes() == 2**20


def test_local_jars_are_on_the_class_path_and_not_copied_per_session(spark):
    class_path = spark.sparkContext.getConf().get("spark.driver.extraClassPath").split(os.pathsep)
    assert set(runtime.local_jars()) <= set(class_path)
    spark.range(1).count()  # an executor fetches spark.jars before its first task
    session_files = Path(spark.sparkContext._jvm.org.apache.spark.SparkFiles.getRootDirectory())
    assert sorted(p.name for p in session_files.glob("*.jar")) == []  # (the AWS SDK bundle alone is 280 MB)


def test_the_classes_pyspark_looks_up_by_simple_name_are_imported_by_full_name(spark):
    """py4j resolves a simple name through the view's single imports (what dir() lists) before it tries
    each wildcard package; the hot names must be there, each naming the class pyspark means."""
    jvm = spark.sparkContext._jvm
    assert {"functions", "PythonUtils"} <= set(dir(jvm))
    assert jvm.functions._fqn == "org.apache.spark.sql.functions"
    assert jvm.PythonUtils._fqn == "org.apache.spark.api.python.PythonUtils"
    for full_name in runtime.PY4J_IMPORTS:
        assert jvm.java.lang.Class.forName(full_name).getName() == full_name


@pytest.mark.parametrize(
    ("variable", "sample_default", "users_value"),
    [("LAKEHOUSE_SHUFFLE_PARTITIONS", "2", "8"), (runtime.CODEGEN_ENV, "off", "on")],  # 2: local[2]
)
def test_make_lake_sizes_spark_for_its_small_sample_unless_told_otherwise(
    monkeypatch, variable, sample_default, users_value
):
    from lakehouse_local import local_run

    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k != variable})
    local_run.use_sample_lake_defaults()
    assert os.environ[variable] == sample_default
    os.environ[variable] = users_value
    local_run.use_sample_lake_defaults()
    assert os.environ[variable] == users_value  # the user's setting wins


def test_codegen_is_spark_default_unless_turned_off_by_name(monkeypatch):
    monkeypatch.delenv(runtime.CODEGEN_ENV, raising=False)
    assert runtime.generated_code()  # Glue's and the bench's setting
    monkeypatch.setenv(runtime.CODEGEN_ENV, "off")
    assert not runtime.generated_code()
    monkeypatch.setenv(runtime.CODEGEN_ENV, "false")
    with pytest.raises(SetupError, match="LAKEHOUSE_CODEGEN=false: expected 'off'"):
        runtime.generated_code()


def test_quick_jit_is_asked_for_by_name_and_only_then_stops_at_c1(monkeypatch):
    monkeypatch.delenv(runtime.JIT_ENV, raising=False)
    assert "TieredStopAtLevel" not in runtime.driver_java_options()  # both compilers by default
    monkeypatch.setenv(runtime.JIT_ENV, "quick")
    assert runtime.driver_java_options().split()[-1] == "-XX:TieredStopAtLevel=1"
    assert "-XX:+UseParallelGC" in runtime.driver_java_options()
    monkeypatch.setenv(runtime.JIT_ENV, "fast")
    with pytest.raises(SetupError, match="LAKEHOUSE_JIT=fast: expected 'quick'"):
        runtime.driver_java_options()
    with pytest.raises(SetupError, match="LAKEHOUSE_JIT=fast"):  # Trino reads it through the same helper
        runtime.jit_flags(default="quick")
    monkeypatch.delenv(runtime.JIT_ENV)
    assert runtime.jit_flags(default="quick") == ["-XX:TieredStopAtLevel=1"]  # Trino's default


def test_small_run_jit_flags_only_with_interpreted_expressions(monkeypatch):
    monkeypatch.delenv(runtime.CODEGEN_ENV, raising=False)  # Glue's and the bench's generated code: JDK defaults
    default = runtime.driver_java_options().split()
    assert not any("Inline" in flag or "CompileThreshold" in flag for flag in default)
    monkeypatch.setenv(runtime.CODEGEN_ENV, "off")
    flags = runtime.driver_java_options().split()
    assert {"-XX:FreqInlineSize=100", "-XX:InlineSmallCode=1000", "-XX:MaxInlineLevel=8"} <= set(flags)
    assert "-XX:CompileThresholdScaling=2" in flags


def test_the_class_data_archive_is_used_only_when_written_for_this_class_path(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKEHOUSE_JARS_DIR", str(tmp_path / "jars"))
    monkeypatch.delenv(runtime.CLASS_DATA_ENV, raising=False)
    mine, other = ["/jars/a.jar", "/jars/b.jar"], ["/jars/a.jar"]
    archive = runtime.class_data_archive(mine)
    assert archive.parent == tmp_path / "class-data" and archive != runtime.class_data_archive(other)
    assert "SharedArchiveFile" not in runtime.driver_java_options(mine)  # none written yet: plain start
    archive.parent.mkdir()
    archive.write_bytes(b"archive")
    assert f"-XX:SharedArchiveFile={archive}" in runtime.driver_java_options(mine).split()
    assert "SharedArchiveFile" not in runtime.driver_java_options(other)  # another class path: not its archive
    monkeypatch.setenv(runtime.CLASS_DATA_ENV, "1")  # lakehouse_local.class_data's child: writes it at exit
    assert f"-XX:ArchiveClassesAtExit={archive}" in runtime.driver_java_options(mine).split()
