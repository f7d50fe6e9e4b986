"""Test-only: record the landing files whose content bronze reads to identify them (delta_io.file_checksum)."""

from lakehouse import delta_io


def spy_landing_reads(monkeypatch) -> list[str]:
    """Wrap delta_io.file_checksum for this test; returns the list it fills with paths under landing/."""
    read, original = [], delta_io.file_checksum

    def spy(spark, fs, hpath):
        read.append(hpath.toString().split("/landing/", 1)[1])
        return original(spark, fs, hpath)

    monkeypatch.setattr(delta_io, "file_checksum", spy)
    return read
