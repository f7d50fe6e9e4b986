"""lakehouse_local/jvm/NioLocalFileSystem: Hadoop's local file system with permissions and links read
and set in Java instead of by a `chmod` / `readlink` / `ls -ld` process. Expected values come from the
operating system (os.stat, os.lstat, pwd, grp), not from Hadoop."""

import grp
import os
import pwd
import stat

import pytest


def _hadoop(spark, path):
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(f"file:{path}")
    return jvm, conf, hpath, hpath.getFileSystem(conf)


def test_the_local_session_uses_the_in_process_file_system_for_both_hadoop_apis(spark, tmp_path):
    jvm, conf, _, fs = _hadoop(spark, tmp_path)
    assert fs.getClass().getName() == "lakehouse.localfs.NioLocalFileSystem"
    context_fs = jvm.org.apache.hadoop.fs.AbstractFileSystem.get(jvm.java.net.URI("file:///"), conf)
    assert context_fs.getClass().getName() == "lakehouse.localfs.NioLocalFileSystem$Fs"  # Delta's log writes


def test_permission_owner_and_group_are_what_the_os_reports(spark, tmp_path):
    jvm, _, path, fs = _hadoop(spark, tmp_path / "part-0.parquet")
    fs.create(path, True).close()
    fs.setPermission(path, jvm.org.apache.hadoop.fs.permission.FsPermission.valueOf("-rw-r-----"))
    assert stat.S_IMODE(os.stat(tmp_path / "part-0.parquet").st_mode) == 0o640
    listed = fs.listFiles(_hadoop(spark, tmp_path)[2], True).next()  # a LocatedFileStatus: asks the permission
    for status in (fs.getFileStatus(path), listed):
        assert status.getPermission().toShort() == 0o640
        assert status.getOwner() == pwd.getpwuid(os.getuid()).pw_name
        assert status.getGroup() == grp.getgrgid(os.getgid()).gr_name
        assert status.getLen() == 0 and not status.isDirectory()


def test_links_stay_links_and_a_rename_never_replaces_a_commit(spark, tmp_path):
    jvm, conf, target, fs = _hadoop(spark, tmp_path / "00000.json")
    fs.create(target, True).close()
    os.symlink(tmp_path / "00000.json", tmp_path / "link.json")
    stock = jvm.org.apache.hadoop.fs.RawLocalFileSystem()  # Hadoop's own class, with its readlink process
    stock.initialize(jvm.java.net.URI("file:///"), conf)
    for name in ("00000.json", "link.json"):
        path = _hadoop(spark, tmp_path / name)[2]
        ours, theirs = fs.getFileLinkStatus(path), stock.getFileLinkStatus(path)
        assert (ours.isSymlink(), ours.getLen(), ours.isDirectory()) == (
            theirs.isSymlink(),
            theirs.getLen(),
            theirs.isDirectory(),
        ), name
    assert fs.getFileLinkStatus(target).getLen() == os.lstat(tmp_path / "00000.json").st_size

    # Delta's HDFSLogStore commits version N by renaming a temp file onto N.json without overwrite
    ctx = jvm.org.apache.hadoop.fs.FileContext.getFileContext(conf)
    tmp = _hadoop(spark, tmp_path / ".00000.json.tmp")[2]
    fs.create(tmp, True).close()
    no_overwrite = spark.sparkContext._gateway.new_array(jvm.org.apache.hadoop.fs.Options.Rename, 0)
    with pytest.raises(Exception, match="FileAlreadyExistsException"):
        ctx.rename(tmp, target, no_overwrite)
    ctx.rename(tmp, _hadoop(spark, tmp_path / "00001.json")[2], no_overwrite)
    assert (tmp_path / "00001.json").exists() and not (tmp_path / ".00000.json.tmp").exists()
