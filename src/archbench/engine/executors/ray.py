"""Run units as Ray tasks on an existing cluster (``--address``) or a local Ray instance.

The Optuna studies stay in the driver (ask/tell), so workers need no database. The payload
(the preprocessed splits) is put into the object store once; every task receives a reference,
and numpy arrays are read zero-copy from shared memory. Workers need archbench and its
dependencies installed (the same versions as the driver for identical numbers).

Token authentication (Ray >= 2.52; a head started by ``ray start --head`` turns it on when it
finds a token, and ``ray.init()`` makes one in ``~/.ray/auth_token``): Ray's driver sends no
token to an explicit address unless ``RAY_AUTH_MODE=token`` is set. When that variable is
unset and a token exists where Ray looks for one (``RAY_AUTH_TOKEN``, the file named by
``RAY_AUTH_TOKEN_PATH``, ``~/.ray/auth_token``), the driver turns token mode on for itself; a
head without authentication accepts it too. Before ``ray.init`` the driver asks the head once
(TCP, then Ray's GCS client) so that a refusal names its cause in one line: head unreachable,
token missing, token wrong, or Ray/Python versions that differ.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import re
import signal
import socket
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from archbench.engine.executors.base import Executor
from archbench.engine.units import Payload, Unit, UnitResult
from archbench.errors import ConfigError, RunFailed

log = logging.getLogger(__name__)

AUTH_MODE_ENV = "RAY_AUTH_MODE"
TOKEN_ENV = "RAY_AUTH_TOKEN"
TOKEN_PATH_ENV = "RAY_AUTH_TOKEN_PATH"
#: Seconds the driver waits for the head's port to accept a connection.
CONNECT_TIMEOUT_S = 5.0

_OPT_OUT = (
    "on a trusted network only, RAY_AUTH_MODE=disabled on the head and the driver turns "
    "authentication off"
)


@dataclass(frozen=True)
class TokenSource:
    """The driver's Ray authentication setting and where its token comes from.

    Attributes:
        mode: ``RAY_AUTH_MODE`` as the user set it (lower case); None when unset.
        where: ``"RAY_AUTH_TOKEN"``, ``"RAY_AUTH_TOKEN_PATH=FILE"`` or the default file's
            path, in Ray's order of precedence; None when no token is available.
    """

    mode: str | None
    where: str | None


def _readable_token(path: Path) -> bool:
    try:
        return bool(path.read_text().strip())
    except OSError:
        return False


def find_token(environ: Mapping[str, str] | None = None, home: Path | None = None) -> TokenSource:
    """Where Ray will take this driver's token from (``RAY_AUTH_TOKEN``, then
    ``RAY_AUTH_TOKEN_PATH``, then ``~/.ray/auth_token``); the token itself is never kept.

    Raises:
        ConfigError: ``RAY_AUTH_TOKEN_PATH`` names a file that cannot be read or is empty
            (Ray would abort the driver).
    """
    env = os.environ if environ is None else environ
    raw_mode = env.get(AUTH_MODE_ENV)
    mode = raw_mode.strip().lower() if raw_mode is not None else None
    if env.get(TOKEN_ENV, "").strip():
        return TokenSource(mode, TOKEN_ENV)
    path_value = env.get(TOKEN_PATH_ENV, "")
    if path_value:
        if not _readable_token(Path(path_value).expanduser()):
            raise ConfigError(
                f"{TOKEN_PATH_ENV}={path_value!r} cannot be read or is empty; point it at a "
                "copy of the head's token file (`ray get-auth-token` on the head prints it)"
            )
        return TokenSource(mode, f"{TOKEN_PATH_ENV}={path_value}")
    default = (Path.home() if home is None else home) / ".ray" / "auth_token"
    return TokenSource(mode, str(default) if _readable_token(default) else None)


def token_rejected_message(address: str, source: TokenSource) -> str:
    """One line for a head that refused this driver's credentials: missing or wrong token."""
    if source.where is None:
        return (
            f"Ray at {address} requires an authentication token and this driver has none: "
            "copy the head's ~/.ray/auth_token to this machine's ~/.ray/auth_token (or set "
            f"{TOKEN_PATH_ENV}=FILE or {TOKEN_ENV}); {_OPT_OUT}"
        )
    if source.mode is not None and source.mode != "token":
        return (
            f"Ray at {address} requires an authentication token but {AUTH_MODE_ENV}="
            f"{source.mode} here, so the token from {source.where} is not sent: unset "
            f"{AUTH_MODE_ENV} or set it to token"
        )
    return (
        f"Ray at {address} rejected the token from {source.where}: use the head's token "
        "(`ray get-auth-token` on the head prints it; every node needs the same one)"
    )


def version_mismatch_message(address: str, cluster: tuple[str, str], here: tuple[str, str]) -> str:
    """One line for a cluster whose (Ray, Python) versions differ from this driver's."""
    return (
        f"Ray at {address} runs Ray {cluster[0]} on Python {cluster[1]}, this driver Ray "
        f"{here[0]} on Python {here[1]}: install the same Ray and Python versions on the "
        "driver and every node"
    )


def _host_port(address: str) -> tuple[str, int] | None:
    """``HOST:PORT`` split; None for the addresses Ray resolves itself (auto, ray://)."""
    if address in ("auto", "local") or "://" in address:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ConfigError(
            f"--address {address!r} is not HOST:PORT; use the head's address and the port "
            "given to `ray start --head --port` (6379 by default), e.g. 10.0.0.5:6379"
        )
    return host.strip("[]"), int(port)


def _check_reachable(address: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"--address {address}: no Ray head answers at {host}:{port} ({reason}); start one "
            f"there with `ray start --head --port {port}`, or fix HOST:PORT (and the firewall)"
        ) from None


def _gcs_client(address: str, source: TokenSource) -> Any:
    """Ray's GCS client for ``address`` (None where this Ray lacks the private API)."""
    try:
        from ray._raylet import GcsClient  # type: ignore[attr-defined]
        from ray.exceptions import AuthenticationError
    except ImportError:  # pragma: no cover - other Ray versions
        return None
    try:
        client = GcsClient(address=address)
        client.cluster_id  # noqa: B018 - the first request: authenticated or refused here
    except AuthenticationError:
        raise ConfigError(token_rejected_message(address, source)) from None
    except Exception as exc:  # ray.init reports the rest
        log.debug("Ray GCS probe of %s failed: %s", address, exc)
        return None
    return client


def _check_versions(address: str, client: Any) -> None:
    try:
        import ray
        from ray._common.usage.usage_lib import get_cluster_metadata
        from ray._private.utils import check_version_info

        meta = get_cluster_metadata(client)
    except Exception as exc:  # other Ray versions: ray.init checks itself
        log.debug("Ray version probe of %s failed: %s", address, exc)
        return
    if not meta:
        return
    try:
        check_version_info(meta, "this driver")
    except RuntimeError:
        cluster = (str(meta.get("ray_version")), str(meta.get("python_version")))
        here = (ray.__version__, platform.python_version())
        raise ConfigError(version_mismatch_message(address, cluster, here)) from None


def check_cluster(address: str, source: TokenSource) -> None:
    """Ask the head at ``address`` once before ``ray.init``; raise ConfigError naming the cause
    when it is unreachable, refuses this driver's token (or its absence), or runs other
    Ray/Python versions. Addresses Ray resolves itself (auto, ray://) are left to Ray."""
    if source.mode == "token" and source.where is None:  # Ray would abort the process
        raise ConfigError(
            f"{AUTH_MODE_ENV}=token but this driver has no token: copy the head's "
            f"~/.ray/auth_token to this machine's ~/.ray/auth_token (or set {TOKEN_PATH_ENV}="
            f"FILE or {TOKEN_ENV})"
        )
    parts = _host_port(address)
    if parts is None:
        return
    _check_reachable(address, *parts)
    client = _gcs_client(address, source)
    if client is not None:
        _check_versions(address, client)


def _refresh_ray_config() -> None:
    """Make an imported Ray re-read ``RAY_AUTH_MODE`` (as Ray does when it turns auth on)."""
    try:
        from ray._raylet import Config  # type: ignore[attr-defined]

        Config.initialize("")
    except (ImportError, AttributeError):  # pragma: no cover - other Ray versions
        pass


def init_failure_message(exc: BaseException, address: str | None, source: TokenSource) -> str:
    """One line for a failed ``ray.init``, from the exception and its causes."""
    where = address or "local"
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = "\n".join(f"{type(e).__name__}: {e}" for e in chain)
    if "AuthenticationError" in text or "InvalidAuthToken" in text:
        return token_rejected_message(where, source)
    if "Version mismatch" in text:
        return f"Ray at {where}: {' '.join(text.split('Version mismatch', 1)[1].split())}"
    if "No node info found" in text:
        return (
            f"Ray at {where} has no node on this machine: run archbench on the head node or "
            f"on a node that joined with `ray start --address {where}`"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"could not start or reach Ray ({where}): {first}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*")


def worker_failure_message(exc: BaseException, label: str) -> str:
    """One line for a Ray task that failed outside the unit's own code (``execute`` turns a
    model's errors into a FAIL result): its innermost exception line, and the usual causes."""
    lines = [ln.strip() for ln in _ANSI.sub("", str(exc)).splitlines() if ln.strip()]
    found = [ln for ln in lines if _EXC_LINE.match(ln)]
    detail = found[-1] if found else (lines[0] if lines else type(exc).__name__)
    return (
        f"a Ray worker could not run {label}: {detail}; check that every node has the driver's "
        "archbench and library versions (importable by the Python that runs `ray start`) and "
        "memory to spare, then run the same command again to resume"
    )


def _forward(src: Future[UnitResult], dst: Future[UnitResult], label: str) -> None:
    """Copy ``src``'s outcome to ``dst``, a Ray failure as one-line RunFailed."""
    if dst.cancelled():
        return
    exc = src.exception()
    with contextlib.suppress(InvalidStateError):
        if exc is None:
            dst.set_result(src.result())
        else:
            dst.set_exception(RunFailed(worker_failure_message(exc, label)))


def _ray_execute(unit: Unit, payload: Payload) -> UnitResult:
    from archbench.engine.units import execute
    from archbench.seeding import set_thread_env

    set_thread_env(unit.threads)
    return execute(unit, payload)


@contextlib.contextmanager
def _keep_sigterm_handler() -> Iterator[None]:
    """Put this process's SIGTERM handler back after ``ray.init``, which installs Ray's own
    (it logs and aborts the driver): SIGTERM then stops a run like Ctrl-C, as without Ray."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)


class RayExecutor(Executor):
    """Ray tasks, each reserving ``threads`` CPUs."""

    name = "ray"

    def __init__(self, *, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ConfigError("--executor ray needs Ray: pip install 'archbench[ray]'") from None
        self.address = address
        self.requested = workers
        self.workers = workers or 1
        self._started_ray = False
        self._set_auth_mode = False
        self._remote: Any = None
        self._payload_ref: Any = None

    def _use_token(self, source: TokenSource) -> None:
        """Send the available token (Ray itself sends none to an explicit address)."""
        if source.mode is None and source.where is not None:
            os.environ[AUTH_MODE_ENV] = "token"
            self._set_auth_mode = True
            _refresh_ray_config()
            log.info("Ray: sending the authentication token from %s", source.where)

    def _connect(self, threads: int) -> None:
        import ray

        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "configure_logging": False,
        }
        source = find_token()  # an unreadable RAY_AUTH_TOKEN_PATH would abort Ray
        if self.address:
            self._use_token(source)
            check_cluster(self.address, source)
            kwargs["address"] = self.address
        else:
            # "local": always a new instance of our own, never a head found through
            # RAY_ADDRESS or the address file a (possibly dead) head left in /tmp/ray
            kwargs["address"] = "local"
            kwargs["num_cpus"] = (self.requested or os.cpu_count() or 1) * threads
        with _keep_sigterm_handler():
            try:
                ray.init(**kwargs)
            except Exception as exc:
                raise RunFailed(init_failure_message(exc, self.address, source)) from None
        self._started_ray = True

    def warm(self, threads: int) -> None:
        """Connect now (before the driver loads the data), so that a refusal comes first."""
        import ray

        if not ray.is_initialized():
            try:
                self._connect(threads)
            except BaseException:
                self._restore_auth_mode()
                raise

    def start(self, payload: Payload, threads: int) -> None:
        import ray

        self.warm(threads)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = self.requested or max(1, cpus // threads)
        self._payload_ref = ray.put(payload)
        self._remote = ray.remote(num_cpus=threads, max_retries=2)(_ray_execute)
        log.info("Ray: %d CPUs, %d concurrent units", cpus, self.workers)

    def submit(self, unit: Unit) -> Future[UnitResult]:
        if self._remote is None:
            raise RunFailed("Ray executor not started")
        ray_fut: Future[UnitResult] = self._remote.remote(unit, self._payload_ref).future()
        fut: Future[UnitResult] = Future()
        ray_fut.add_done_callback(partial(_forward, dst=fut, label=unit.label))
        return fut

    def _restore_auth_mode(self) -> None:
        if self._set_auth_mode:
            os.environ.pop(AUTH_MODE_ENV, None)
            self._set_auth_mode = False
            _refresh_ray_config()

    def shutdown(self) -> None:
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False
        self._restore_auth_mode()
