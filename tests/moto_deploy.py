"""A deployment on a moto server of its own, for the module fixtures that apply the real root module."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lakehouse_local.emulator import server


@contextmanager
def fresh_moto_deployment(tmp_path_factory, deploy: Callable[[Path, str], object]) -> Iterator[tuple]:
    """Start moto, run ``deploy(work, endpoint)`` and yield ``(work, endpoint, what deploy returned)``;
    the server is stopped however the deployment or the tests end.

    A failed deployment fails, once: no second deployment on a new server. The one that used to be
    made hid a create whose answer the werkzeug server lost (issue 36); the server now keeps
    connections open (docs/emulator.md, Transport), and `make emulator` does not retry either.
    """
    work = tmp_path_factory.mktemp("emulator")
    proc, endpoint = server.start_moto(work / "moto.log")
    try:
        yield work, endpoint, deploy(work, endpoint)
    finally:
        server.stop(proc)
