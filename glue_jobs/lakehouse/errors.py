"""Typed errors: each names what to fix."""


class LakehouseError(Exception):
    """Base class for errors this package raises on purpose."""


class ContractError(LakehouseError):
    """A contract file is malformed; the message names the file and the field."""

    def __init__(self, path, field: str, problem: str):
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


class SetupError(LakehouseError):
    """The local runtime is incomplete (e.g. a jar is missing); the message names the fix."""


class DataQualityError(LakehouseError):
    """A dataset-level rule of severity 'error' failed; outcomes were recorded before raising."""
