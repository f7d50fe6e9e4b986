package lakehouse.localfs;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.local.LocalConfigKeys;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system without a process per call.
 *
 * <p>Without libhadoop.so (not shipped with pyspark), RawLocalFileSystem starts a process for three
 * things: `chmod` for every file it creates, `readlink` for every rename (each Delta commit, each
 * checksum file) and `ls -ld` for the permission of every listed file. That is about 5,000
 * processes in one `make lake`, 4-7 ms each. Java's own file API answers the same questions
 * in-process; everything else is Hadoop's code, unchanged. Local runs only (lakehouse.runtime):
 * Glue reads and writes S3.
 */
public class NioLocalFileSystem extends LocalFileSystem {
  public NioLocalFileSystem() {
    super(new Raw());
  }

  /** The raw (checksum-less) file system: RawLocalFileSystem with the two calls done in Java. */
  public static class Raw extends RawLocalFileSystem {
    private static final PosixFilePermission[] BITS = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      short mode = permission.toShort();
      Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
      for (int i = 0; i < BITS.length; i++) {
        if ((mode >> i & 1) == 1) {
          set.add(BITS[i]);
        }
      }
      try {
        Files.setPosixFilePermissions(pathToFile(p).toPath(), set);
      } catch (UnsupportedOperationException e) { // not a POSIX file system: Hadoop's own way
        super.setPermission(p, permission);
      }
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
      return withPermission(super.getFileStatus(f));
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
      FileStatus[] listed = super.listStatus(f);
      for (int i = 0; i < listed.length; i++) {
        listed[i] = withPermission(listed[i]);
      }
      return listed;
    }

    /** The status with permission, owner and group read now, in Java (Hadoop's would run `ls -ld` when asked). */
    private FileStatus withPermission(FileStatus s) throws IOException {
      PosixFileAttributes a;
      try {
        a = Files.readAttributes(pathToFile(s.getPath()).toPath(), PosixFileAttributes.class);
      } catch (UnsupportedOperationException | NoSuchFileException e) { // not POSIX, or gone: Hadoop's lazy status
        return s;
      }
      short mode = 0;
      for (int i = 0; i < BITS.length; i++) {
        if (a.permissions().contains(BITS[i])) {
          mode |= 1 << i;
        }
      }
      return new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(),
          s.getModificationTime(), s.getAccessTime(), new FsPermission(mode), a.owner().getName(),
          a.group().getName(), s.getPath());
    }

    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
      File file = pathToFile(f);
      if (Files.isSymbolicLink(file.toPath())) { // a real link: Hadoop resolves it as before
        return super.getFileLinkStatus(f);
      }
      return getFileStatus(f); // what Hadoop returns for a path that is not a link
    }
  }

  /** The same for FileContext (Delta's HDFSLogStore renames through it): fs.AbstractFileSystem.file.impl. */
  public static class Fs extends ChecksumFs {
    public Fs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(new RawFs(uri, conf));
    }
  }

  /** As org.apache.hadoop.fs.local.RawLocalFs, over {@link Raw}. */
  public static class RawFs extends DelegateToFileSystem {
    RawFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new Raw(), conf, "file", false);
    }

    @Override
    public int getUriDefaultPort() {
      return -1;
    }

    @Override
    @Deprecated
    public FsServerDefaults getServerDefaults() throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public FsServerDefaults getServerDefaults(Path f) throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public boolean isValidName(String src) {
      return true;
    }
  }
}
