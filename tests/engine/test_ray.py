"""The Ray path as the README tells a user to take it: a head started separately with
``RAY_AUTH_MODE=token ray start --head`` on the loopback address, then ``archbench run
--executor ray --address`` (and ``archbench suite``, the same options). Results equal the local
executor's to the last digit; every refusal names its cause in one line.

The head runs in its own session, with its own temporary directory, HOME (for the token file)
and free ports; the finalizer ends that session's processes only (never ``ray stop``, which
would stop every Ray instance on the machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import archbench
from archbench.engine.executors.ray import (
    TokenSource,
    _check_versions,
    check_cluster,
    find_token,
    init_failure_message,
    token_rejected_message,
)
from archbench.errors import ConfigError

NEEDS_RAY = "Ray is an optional extra (pip install 'archbench[ray]'); the cluster path needs it"
_SRC = str(Path(archbench.__file__).resolve().parents[1])  # workers import this archbench


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user on this machine: no Ray auth settings unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), PYTHONPATH=_SRC, RAY_USAGE_STATS_ENABLED="0", **extra)
    return env


# ---------------------------------------------------------------- without a cluster (fast)


def test_token_sources_follow_rays_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    assert find_token({}, home) == TokenSource(None, None)
    (home / ".ray" / "auth_token").write_text("abc\n")
    assert find_token({}, home) == TokenSource(None, str(home / ".ray" / "auth_token"))
    other = tmp_path / "tok"
    other.write_text("def")
    env = {"RAY_AUTH_TOKEN_PATH": str(other), "RAY_AUTH_MODE": "Token"}
    assert find_token(env, home) == TokenSource("token", f"RAY_AUTH_TOKEN_PATH={other}")
    env["RAY_AUTH_TOKEN"] = "xyz"
    assert find_token(env, home) == TokenSource("token", "RAY_AUTH_TOKEN")
    # an empty default file is no token; an unreadable RAY_AUTH_TOKEN_PATH is an error
    (home / ".ray" / "auth_token").write_text("  \n")
    assert find_token({"RAY_AUTH_MODE": "disabled"}, home) == TokenSource("disabled", None)
    with pytest.raises(ConfigError, match="RAY_AUTH_TOKEN_PATH='/no/such/file' cannot be read"):
        find_token({"RAY_AUTH_TOKEN_PATH": "/no/such/file"}, home)


def test_refusal_messages_name_the_case() -> None:
    missing = token_rejected_message("h:1", TokenSource(None, None))
    assert "requires an authentication token and this driver has none" in missing
    assert "RAY_AUTH_MODE=disabled on the head and the driver" in missing  # the opt-out
    wrong = token_rejected_message("h:1", TokenSource("token", "RAY_AUTH_TOKEN"))
    assert "rejected the token from RAY_AUTH_TOKEN" in wrong
    off = token_rejected_message("h:1", TokenSource("disabled", "/home/u/.ray/auth_token"))
    assert "RAY_AUTH_MODE=disabled here" in off and "not sent" in off


def test_init_failures_are_classified() -> None:
    src = TokenSource(None, None)
    vm = RuntimeError(
        "Version mismatch: The cluster was started with:\n    Ray: 2.9.0\n    Python: 3.10.1\n"
        "This process on node 10.0.0.2 was started with:\n    Ray: 2.60.0\n    Python: 3.11.7\n"
    )
    wrapped = ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379")
    wrapped.__cause__ = vm
    msg = init_failure_message(wrapped, "10.0.0.1:6379", src)
    assert "Ray: 2.9.0" in msg and "Ray: 2.60.0" in msg and "\n" not in msg
    nonode = RuntimeError("No node info found matching attributes: '' when trying to resolve")
    assert "run archbench on the head node" in init_failure_message(nonode, "h:1", src)
    other = init_failure_message(OSError("boom\nmore"), None, src)
    assert other == "could not start or reach Ray (local): boom"


def test_unreachable_head_and_malformed_address_fail_fast() -> None:
    (port,) = _free_ports(1)  # nothing listens there now
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match=rf"no Ray head answers at 127\.0\.0\.1:{port}"):
        check_cluster(f"127.0.0.1:{port}", TokenSource(None, None))
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ConfigError, match="is not HOST:PORT"):
        check_cluster("10.0.0.5", TokenSource(None, None))
    # Ray aborts the whole process (a C++ check) when token mode has no token: caught first
    with pytest.raises(ConfigError, match="RAY_AUTH_MODE=token but this driver has no token"):
        check_cluster(f"127.0.0.1:{port}", TokenSource("token", None))


def test_worker_failure_becomes_one_line() -> None:
    """A task that dies outside the unit (here: a node with another archbench) stops the run
    with one line, not a Ray traceback."""
    from concurrent.futures import Future

    from archbench.engine.executors.ray import _forward
    from archbench.errors import RunFailed

    text = (
        "\x1b[36mray::_ray_execute()\x1b[39m (pid=6951, ip=10.0.0.2)\n  At least one of the input "
        "arguments for this task could not be computed:\nray.exceptions.RaySystemError: System "
        "error: cannot import name 'compute_metrics'\ntraceback: Traceback (most recent call "
        'last):\n  File "/srv/archbench/engine/units.py", line 18, in <module>\n    from .metrics '
        "import compute_metrics\nImportError: cannot import name 'compute_metrics' from "
        "'archbench.kinds.metric' (/srv/archbench/kinds/metric.py)\n"
    )
    src: Future[object] = Future()
    dst: Future[object] = Future()
    src.add_done_callback(lambda f: _forward(f, dst=dst, label="mlp/seed 0"))  # type: ignore[arg-type]
    src.set_exception(RuntimeError(text))
    exc = dst.exception()
    assert isinstance(exc, RunFailed)
    msg = str(exc)
    assert msg.startswith("a Ray worker could not run mlp/seed 0: ImportError: cannot import")
    assert "\n" not in msg and "\x1b" not in msg and "driver's archbench" in msg
    ok: Future[object] = Future()
    out: Future[object] = Future()
    ok.add_done_callback(lambda f: _forward(f, dst=out, label="x"))  # type: ignore[arg-type]
    ok.set_result(42)
    assert out.result() == 42


def test_suite_on_an_unreachable_head_fails_fast_writing_nothing(
    tiny_spec, tmp_path: Path, capsys
) -> None:
    """``archbench suite --executor ray --address`` refuses as ``archbench run`` does: one
    line naming the cause, exit 2, before any task runs or anything is written."""
    pytest.importorskip("ray", reason=NEEDS_RAY)
    from archbench.cli import main

    spec = tiny_spec()
    suite = tmp_path / "suite.toml"
    suite.write_text(f'[suite]\ntasks = ["{spec.name}"]\npreset = "quick"\n')
    (port,) = _free_ports(1)
    out = tmp_path / "out"
    args = ["suite", str(suite), "--out", str(out), "--executor", "ray", "--quiet"]
    assert main([*args, "--address", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --address 127.0.0.1:{port}: no Ray head answers at")
    assert len(err.splitlines()) == 1 and not out.exists()


def test_suite_ray_pool_checks_threads_before_connecting() -> None:
    pytest.importorskip("ray", reason=NEEDS_RAY)
    from archbench.engine.executors.shared import make_pool

    pool = make_pool("ray", workers=None, threads=1, address="127.0.0.1:1")
    assert pool is not None
    with pytest.raises(ConfigError, match=r"threads_per_worker = 2 differs from the suite's pool"):
        pool.view().warm(2)
    with pytest.raises(ConfigError, match="a suite runs on local, ray or inline"):
        make_pool("dask", workers=None, threads=1)


class _FakeGcs:
    """Answers the one key-value read the version check makes."""

    def __init__(self, meta: dict[str, object]) -> None:
        self.meta = meta

    def internal_kv_get(self, key: bytes, namespace: object = None) -> bytes:
        return json.dumps(self.meta).encode()


def test_version_mismatch_is_named() -> None:
    ray = pytest.importorskip("ray", reason=NEEDS_RAY)
    import platform

    here = {"ray_version": ray.__version__, "python_version": platform.python_version()}
    _check_versions("h:1", _FakeGcs({**here, "ray_init_cluster": False}))  # same: passes
    old = {**here, "ray_version": "2.9.0"}
    with pytest.raises(ConfigError, match=r"runs Ray 2\.9\.0 on Python .*this driver Ray"):
        _check_versions("h:1", _FakeGcs(old))


_LOCAL_PROBE = """
import ray
from archbench.engine.executors.ray import RayExecutor
ex = RayExecutor(workers=1)
try:
    ex.warm(1)
    print("CPUS", int(ray.cluster_resources().get("CPU", 0)), ray.get_runtime_context().gcs_address)
finally:
    ex.shutdown()
"""


def _local_ray(tmp: Path, **env: str) -> tuple[int, str]:
    """``RayExecutor()`` without an address in a fresh process whose temporary folder (Ray's
    /tmp/ray) is ``tmp``: (CPUs of the instance it joined, its GCS address)."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    r = subprocess.run(
        [sys.executable, "-c", _LOCAL_PROBE],
        env=_clean_env(home, TMPDIR=str(tmp), **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("CPUS ")), "")
    assert r.returncode == 0 and line, r.stderr[-3000:]
    _, cpus, gcs = line.split()
    return int(cpus), gcs


@pytest.mark.slow
def test_local_run_starts_its_own_ray_despite_a_stale_address_file() -> None:
    """A head that died without ``ray stop`` leaves /tmp/ray/ray_current_cluster (and a shell
    may still export RAY_ADDRESS): ``--executor ray`` without ``--address`` starts its own
    instance anyway (Ray's ``address="local"``), with the CPUs it asked for."""
    pytest.importorskip("ray", reason=NEEDS_RAY)
    (dead,) = _free_ports(1)
    tmp = Path(tempfile.mkdtemp(prefix="abst-"))  # short: Ray's socket paths live below it
    try:
        (tmp / "ray").mkdir()
        (tmp / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{dead}\n")
        cpus, gcs = _local_ray(tmp)
        assert cpus == 1 and gcs != f"127.0.0.1:{dead}"
        cpus, gcs = _local_ray(tmp, RAY_ADDRESS=f"127.0.0.1:{dead}")
        assert cpus == 1 and gcs != f"127.0.0.1:{dead}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- a head started separately


@dataclass(frozen=True)
class Head:
    address: str
    home: Path  # HOME of the head's user: ~/.ray/auth_token holds the cluster's token
    token: str


def _ray_cli() -> str:
    exe = Path(sys.executable).with_name("ray")
    found = str(exe) if exe.exists() else shutil.which("ray")
    if found is None:
        pytest.skip("the `ray` command is not installed beside this Python")
    return found


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies excluded)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _end_session(pgid: int) -> None:
    """SIGTERM the head's process group, SIGKILL what is left after 1 s."""
    for sig, wait_s in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and _group_alive(pgid):
            time.sleep(0.2)
        if not _group_alive(pgid):
            return


@pytest.fixture(scope="module")
def head() -> Iterator[Head]:
    """``ray start --head`` on 127.0.0.1 the README's secure way: a token in ~/.ray/auth_token
    (as any local ``ray.init()`` leaves one) and ``RAY_AUTH_MODE=token``."""
    ray = pytest.importorskip("ray", reason=NEEDS_RAY)
    if tuple(int(p) for p in ray.__version__.split(".")[:2]) < (2, 52):
        pytest.skip(f"Ray {ray.__version__} has no token authentication (came with 2.52)")
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows
        pytest.skip("the head is stopped by its process group (POSIX only)")
    root = Path(tempfile.mkdtemp(prefix="abray-"))  # short: Ray's socket paths live below it
    home = root / "home"
    (home / ".ray").mkdir(parents=True)
    token = secrets.token_hex(32)
    (home / ".ray" / "auth_token").write_text(token)
    port, agent, agent_grpc, metrics, env_agent = _free_ports(5)
    cmd = [_ray_cli(), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port)]
    cmd += ["--num-cpus", "2", "--temp-dir", str(root / "ray"), "--include-dashboard", "false"]
    cmd += ["--disable-usage-stats", "--dashboard-port", "0"]
    cmd += ["--dashboard-agent-listen-port", str(agent)]
    cmd += ["--dashboard-agent-grpc-port", str(agent_grpc), "--metrics-export-port", str(metrics)]
    cmd += ["--runtime-env-agent-port", str(env_agent)]
    proc = subprocess.Popen(
        cmd,
        env=_clean_env(home, RAY_AUTH_MODE="token"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the head's daemons stay in this process group
    )
    try:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out[-3000:]
        yield Head(f"127.0.0.1:{port}", home, token)
    finally:
        proc.kill()
        _end_session(proc.pid)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_local_run_starts_its_own_ray_beside_a_running_head(head: Head) -> None:
    """With a head running on this machine (and named by RAY_ADDRESS), a run without
    ``--address`` still starts its own instance rather than joining it."""
    tmp = Path(tempfile.mkdtemp(prefix="abhd-"))
    try:
        cpus, gcs = _local_ray(tmp, RAY_ADDRESS=head.address)
        assert cpus == 1 and gcs != head.address  # the head has 2 CPUs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _archbench(
    cmd: list[str], spec: Path, out: Path, env: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    args = ["run", "--spec", str(spec), "--out", str(out), "--workers", "2", "--quiet", *extra]
    return subprocess.run(
        [*cmd, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _results(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "results.parquet")
    return df.sort_values(["family", "seed", "split", "metric"]).reset_index(drop=True)


@pytest.mark.slow
def test_run_on_a_separate_head_equals_local(
    head: Head, archbench_cmd, tiny_spec, tmp_path: Path
) -> None:
    spec = tiny_spec(seeds=2)
    env = _clean_env(head.home)  # the driver finds the token where Ray keeps it
    ray_out, local_out = tmp_path / "ray", tmp_path / "local"
    r = _archbench(
        archbench_cmd, spec, ray_out, env, "--executor", "ray", "--address", head.address
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert head.token not in r.stdout + r.stderr  # the token is never printed nor stored
    assert not [
        p for p in ray_out.rglob("*") if p.is_file() and head.token.encode() in p.read_bytes()
    ]
    assert json.loads((ray_out / "manifest.json").read_text())["executor"] == "ray"
    r = _archbench(archbench_cmd, spec, local_out, env, "--executor", "local")
    assert r.returncode == 0, r.stderr[-3000:]
    pd.testing.assert_frame_equal(_results(local_out), _results(ray_out), check_exact=True)


def _stop_suite(
    cmd: list[str], env: dict[str, str], out: Path, minimum: int, sig: signal.Signals
) -> tuple[int, str]:
    """Start ``cmd``, send ``sig`` once ``minimum`` units are done; (exit code, stderr)."""
    from tests.e2e.test_suite import _done_units

    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    t0 = time.time()
    try:
        while time.time() - t0 < 300 and proc.poll() is None and len(_done_units(out)) < minimum:
            time.sleep(0.05)
        assert proc.poll() is None, "the suite ended before it could be stopped"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group has left already
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    return proc.returncode, err


SUITE = """\
[suite]
name = "tiny"
tasks = ["california.toml", "adult.toml"]
preset = "quick"
n_boot = 200
[seeds]
count = 2
[families]
names = ["mlp", "gbdt"]
"""


def _suite_cmd(cmd: list[str], suite: Path, out: Path) -> list[str]:
    return [*cmd, "suite", str(suite), "--out", str(out), "--workers", "2", "--no-report"]


@pytest.mark.slow
def test_suite_on_a_separate_head_equals_local_and_resumes(
    head: Head, archbench_cmd, tiny_spec, tmp_path: Path
) -> None:
    """``archbench suite --executor ray --address``: the units of both tasks run on the head;
    the driver is stopped mid-suite (SIGTERM, then SIGKILL) and the same command resumes
    without retraining anything that finished; every task's results and the statistics across
    tasks equal the local pool's to the last digit."""
    from tests.e2e.test_suite import _done_units

    text = tiny_spec(seeds=2).read_text()
    for name in ("california", "adult"):
        (tmp_path / f"{name}.toml").write_text(text.replace('"california"', f'"{name}"'))
    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE)
    env = _clean_env(head.home)
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    r = subprocess.run(
        [*_suite_cmd(archbench_cmd, suite, local), "--quiet"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    cmd = [*_suite_cmd(archbench_cmd, suite, ray_out), "--executor", "ray"]
    cmd += ["--address", head.address, "--quiet"]
    done: dict[str, int] = {}
    for sig, minimum in ((signal.SIGTERM, 3), (signal.SIGKILL, 8)):
        code, err = _stop_suite(cmd, env, ray_out, minimum, sig)
        if sig == signal.SIGTERM:  # stopped like Ctrl-C, not by Ray's own SIGTERM handler
            assert code == 130 and "interrupted; run the same command again" in err, err[-2000:]
        now = _done_units(ray_out)
        assert all(now[a] == m for a, m in done.items())  # nothing finished was retrained
        done = now
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    assert head.token not in r.stdout + r.stderr
    final = _done_units(ray_out)
    assert all(final[a] == m for a, m in done.items())  # nothing finished was retrained
    assert len(final) > len(done)
    assert json.loads((ray_out / "suite_manifest.json").read_text())["executor"] == "ray"
    for task in ("california", "adult"):
        assert json.loads((ray_out / task / "manifest.json").read_text())["executor"] == "ray"
        pd.testing.assert_frame_equal(
            _results(local / task), _results(ray_out / task), check_exact=True
        )
    for f in ("suite_summary.csv", "suite_stats.json"):  # the statistics across tasks
        assert (local / f).read_bytes() == (ray_out / f).read_bytes(), f


@pytest.mark.slow
@pytest.mark.parametrize("how", ["RAY_AUTH_TOKEN_PATH", "RAY_AUTH_TOKEN"])
def test_token_reaches_the_driver_from_the_environment(
    head: Head, tmp_path: Path, how: str
) -> None:
    """A driver whose HOME has no token connects with the documented variables."""
    token_file = tmp_path / "cluster-token"
    token_file.write_text(head.token)
    value = str(token_file) if how == "RAY_AUTH_TOKEN_PATH" else head.token
    env = _clean_env(tmp_path, **{how: value})
    code = (
        "from archbench.engine.executors.ray import RayExecutor\n"
        f"ex = RayExecutor(address={head.address!r})\n"
        "ex.warm(1)\nimport ray\nprint('CPUS', int(ray.cluster_resources()['CPU']))\n"
        "ex.shutdown()\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "CPUS 2" in r.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "requires an authentication token and this driver has none"),
        ({"RAY_AUTH_TOKEN": "not-the-token"}, "rejected the token from RAY_AUTH_TOKEN"),
    ],
    ids=["token-missing", "token-wrong"],
)
def test_refused_driver_says_why_in_one_line(
    head: Head, archbench_cmd, tiny_spec, tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    env = _clean_env(tmp_path, **extra)  # a HOME without ~/.ray/auth_token
    t0 = time.perf_counter()
    r = _archbench(
        archbench_cmd,
        tiny_spec(),
        tmp_path / "out",
        env,
        "--executor",
        "ray",
        "--address",
        head.address,
    )
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Ray at {head.address} ") and expected in last, r.stderr
    assert "Traceback" not in r.stderr
    assert time.perf_counter() - t0 < 60  # no 20 s of ray.init retries
