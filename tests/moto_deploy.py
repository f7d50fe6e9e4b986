"""A deployment on a moto server of its own, for the module fixtures that apply the real root module."""

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lakehouse_local.emulator import server


@contextmanager
def fresh_moto_deployment(tmp_path_factory, deploy: Callable[[Path, str], object]) -> Iterator[tuple]:
    """Start moto, run ``deploy(work, endpoint)`` and yield ``(work, endpoint, what deploy returned)``;
    the server is stopped afterwards.

    A first deployment that fails (EmulatorError) is reported as a warning and done once more on a
    new server and state. One CI run of `make test` in 27 failed its apply with "Database already
    exists" for a database that apply creates once, most likely a create the AWS SDK retried after
    its first answer was lost. Not reproduced since (9 applies, 8 on loaded cores; 7,200 concurrent Glue calls), so
    a failure now carries the evidence (deploy.failure_evidence) and a second failure fails the tests.
    """
    for attempt in (1, 2):
        work = tmp_path_factory.mktemp("emulator")
        proc, endpoint = server.start_moto(work / "moto.log")
        try:  # the server is stopped however the deployment or the tests end
            try:
                deployed = deploy(work, endpoint)
            except server.EmulatorError as failure:
                if attempt == 2:
                    raise
                again = f"emulator deployment failed once, deploying again on a fresh moto:\n{failure}"
                warnings.warn(again, stacklevel=3)
                continue
            yield work, endpoint, deployed
            return
        finally:
            server.stop(proc)
