"""Every lake location, derived from one lake root (s3://bucket, s3a://bucket or a local folder)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LakePaths:
    root: str

    def _join(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def landing(self, source: str) -> str:
        return self._join("landing", source)

    def bronze(self, source: str) -> str:
        return self._join("bronze", source)

    def silver(self, entity: str) -> str:
        return self._join("silver", entity)

    def quarantine(self, entity: str) -> str:
        return self._join("silver", f"quarantine_{entity}")

    def gold(self, table: str) -> str:
        return self._join("gold", table)

    def exports(self, table: str) -> str:
        return self._join("exports", table)

    def ops(self, table: str) -> str:
        return self._join("ops", table)
