"""The code sandbox, on the real bwrap and a real kernel: escapes fail, the host stays well.

One session is shared by the module (starting one takes seconds); the tests that kill it
check that the next call gets a fresh one.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from gptforge.capabilities import sandbox
from gptforge.capabilities.sandbox import (
    SandboxConfig,
    SandboxLimits,
    SandboxUnavailable,
    SessionManager,
    available,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CANARY = "gptforge-canary-7c1e9a"
LIMITS = SandboxLimits(
    wall_seconds=4,
    memory_bytes=1536 * 1024**2,
    max_processes=48,
    max_file_bytes=8 * 1024**2,
    max_output_chars=4000,
    idle_seconds=60,
)
CONVERSATION = "c-sandbox"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def manager(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SessionManager]:
    os.environ["SERVER_TEST_CANARY_SECRET"] = CANARY
    manager = SessionManager(SandboxConfig(limits=LIMITS))
    reason = manager.available()
    assert reason is None, f"the sandbox must work on this machine: {reason}"
    try:
        yield manager
    finally:
        await manager.close_all()
        os.environ.pop("SERVER_TEST_CANARY_SECRET", None)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


async def run(manager: SessionManager, workdir: Path, code: str) -> tuple[object, bool]:
    session, fresh = await manager.session(CONVERSATION, workdir)
    return await session.execute(code), fresh


def sandbox_processes(marker: str) -> list[int]:
    """Host pids whose command line mentions ``marker`` (a session's connection file)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_variables_persist_between_calls(manager: SessionManager, workdir: Path) -> None:
    first, _ = await run(manager, workdir, "total = 40\nimport math")
    second, fresh = await run(manager, workdir, "total + 2, math.floor(2.5)")
    assert first.ended == "ok"  # type: ignore[attr-defined]
    assert second.result == "(42, 2)"  # type: ignore[attr-defined]
    assert not fresh


async def test_errors_come_back_as_tracebacks(manager: SessionManager, workdir: Path) -> None:
    execution, _ = await run(manager, workdir, "print('before')\n1 / 0")
    assert execution.ended == "error"  # type: ignore[attr-defined]
    assert "ZeroDivisionError" in execution.error  # type: ignore[attr-defined]
    assert "\x1b[" not in execution.error  # type: ignore[attr-defined]
    assert execution.stdout == "before\n"  # type: ignore[attr-defined]


async def test_displayed_values_and_figures(manager: SessionManager, workdir: Path) -> None:
    code = """
import pandas as pd, matplotlib.pyplot as plt
from IPython.display import display
display(pd.DataFrame({"a": [1, 2]}))
plt.plot([1, 2, 3])
plt.show()
"""
    execution, _ = await run(manager, workdir, code)
    assert execution.stdout.split() == ["a", "0", "1", "1", "2"]  # type: ignore[attr-defined]
    assert len(execution.images) == 1  # type: ignore[attr-defined]
    assert execution.images[0].startswith(b"\x89PNG")  # type: ignore[attr-defined]


async def test_no_network(manager: SessionManager, workdir: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        code = f"""
import socket
outcomes = []
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2)
    outcomes.append("connected to the host")
except OSError as exc:
    outcomes.append(type(exc).__name__)
try:
    socket.getaddrinfo("pypi.org", 443)
    outcomes.append("resolved")
except OSError as exc:
    outcomes.append(type(exc).__name__)
print(outcomes, [name for _i, name in socket.if_nameindex()])
"""
        execution, _ = await run(manager, workdir, code)
    assert execution.stdout.strip() == "['ConnectionRefusedError', 'gaierror'] ['lo']"  # type: ignore[attr-defined]


async def test_server_files_are_out_of_sight(
    manager: SessionManager, workdir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "data" / "server-secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(CANARY)
    code = f"""
import os
seen = {{}}
for path in [{str(secret)!r}, "/etc/shadow", "/etc/passwd", {str(Path.home() / ".bash_history")!r}]:
    try:
        seen[path] = open(path).read()[:50]
    except OSError as exc:
        seen[path] = type(exc).__name__
print(seen)
print(sorted(os.listdir("/")))
print(open("/proc/1/cmdline", "rb").read().split(b"\\0")[0])
"""
    execution, _ = await run(manager, workdir, code)
    out = execution.stdout  # type: ignore[attr-defined]
    assert CANARY not in out
    assert "root:" not in out
    assert f"{str(secret)!r}: 'FileNotFoundError'" in out
    assert "'/etc/shadow': 'FileNotFoundError'" in out
    assert "['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'root', 'tmp', 'usr', 'work']" in out
    assert "bwrap" in out  # PID 1 is the sandbox's own init, not the host's


async def test_server_environment_is_out_of_sight(manager: SessionManager, workdir: Path) -> None:
    assert os.environ["SERVER_TEST_CANARY_SECRET"] == CANARY
    code = """
import os
print(sorted(os.environ))
print(open("/proc/self/environ", "rb").read().count(b"CANARY"))
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            print(pid, open(f"/proc/{pid}/environ", "rb").read().count(b"CANARY"))
        except OSError as exc:
            print(pid, type(exc).__name__)
"""
    execution, _ = await run(manager, workdir, code)
    out = execution.stdout  # type: ignore[attr-defined]
    assert CANARY not in out
    assert "SERVER_TEST_CANARY_SECRET" not in out
    assert all(line.split()[-1] in ("0", "PermissionError") for line in out.splitlines()[1:])


async def test_limits_and_identity_inside(manager: SessionManager, workdir: Path) -> None:
    code = """
import os, resource
print([resource.getrlimit(getattr(resource, name))[0]
       for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE")])
print(os.getuid(), open("/proc/self/status").read().split("CapEff:")[1].split()[0])
writable = []
for folder in ["/", "/etc", "/dev", "/usr", "/proc/sys", "/tmp", "/dev/shm", "/work"]:
    try:
        open(os.path.join(folder, "probe"), "w").close()
        writable.append(folder)
    except OSError:
        pass
tmp = os.statvfs("/tmp")
print(writable, tmp.f_blocks * tmp.f_frsize)
"""
    execution, _ = await run(manager, workdir, code)
    limits, identity, writable = execution.stdout.splitlines()  # type: ignore[attr-defined]
    assert writable == f"['/tmp', '/dev/shm', '/work'] {LIMITS.tmp_bytes}"
    (workdir / "probe").unlink()
    assert limits == str(
        [LIMITS.cpu_seconds, LIMITS.memory_bytes, LIMITS.max_processes, LIMITS.max_file_bytes]
    )
    assert identity == "1000 0000000000000000"  # no capabilities
    session, _ = await manager.session(CONVERSATION, workdir)
    host_uids = {
        int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
        for pid in sandbox_processes(str(session.connection_file))
    }
    if os.geteuid() == 0:  # a root server runs sandboxes under their own unprivileged uid
        assert host_uids == {manager.uid_for(CONVERSATION)}
    else:
        assert host_uids == {os.geteuid()}


async def test_fork_bomb_hits_the_process_limit(manager: SessionManager, workdir: Path) -> None:
    code = """
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
        children += 1
except OSError as exc:
    print("stopped", type(exc).__name__, children)
"""
    execution, _ = await run(manager, workdir, code)
    words = execution.stdout.split()  # type: ignore[attr-defined]
    assert words[:2] == ["stopped", "BlockingIOError"], execution
    assert int(words[2]) < LIMITS.max_processes
    after, fresh = await run(manager, workdir, "total")
    assert after.result == "40" and not fresh  # type: ignore[attr-defined]


async def test_allocating_4_gb_fails_cleanly(manager: SessionManager, workdir: Path) -> None:
    execution, _ = await run(manager, workdir, "hog = bytearray(4 * 1024**3)")
    assert execution.ended == "error"  # type: ignore[attr-defined]
    assert "MemoryError" in execution.error  # type: ignore[attr-defined]
    after, fresh = await run(manager, workdir, "total")
    assert after.result == "40" and not fresh  # type: ignore[attr-defined]


async def test_huge_output_is_truncated(manager: SessionManager, workdir: Path) -> None:
    started = time.monotonic()
    execution, _ = await run(manager, workdir, "print('x' * 100_000_000)\nprint('y' * 10)")
    assert execution.ended == "ok"  # type: ignore[attr-defined]
    assert execution.truncated  # type: ignore[attr-defined]
    assert len(execution.stdout) <= LIMITS.max_output_chars  # type: ignore[attr-defined]
    assert any("truncated" in note for note in execution.notes)  # type: ignore[attr-defined]
    assert time.monotonic() - started < LIMITS.wall_seconds


async def test_huge_file_hits_the_file_size_limit(manager: SessionManager, workdir: Path) -> None:
    code = """
chunk = b"z" * 1024**2
written = 0
try:
    with open("big.bin", "wb") as f:
        for _ in range(64):
            f.write(chunk)
            f.flush()
            written += len(chunk)
except OSError as exc:
    print("stopped", exc.errno, written)
"""
    execution, _ = await run(manager, workdir, code)
    assert execution.stdout.split()[:2] == ["stopped", "27"], execution  # type: ignore[attr-defined]
    assert (workdir / "big.bin").stat().st_size <= LIMITS.max_file_bytes
    (workdir / "big.bin").unlink()


async def test_endless_loop_is_killed_and_the_next_call_starts_fresh(
    manager: SessionManager, workdir: Path
) -> None:
    session, _ = await manager.session(CONVERSATION, workdir)
    marker = str(session.connection_file)
    assert sandbox_processes(marker)
    started = time.monotonic()
    execution = await session.execute("while True: pass")
    assert time.monotonic() - started < LIMITS.wall_seconds + 3
    assert execution.ended == "timeout"
    assert "time limit" in execution.notes[0]
    left = sandbox_processes(marker)
    assert left == []
    after, fresh = await run(manager, workdir, "print('alive')")
    assert fresh
    assert after.stdout == "alive\n"  # type: ignore[attr-defined]


async def test_kernel_death_is_reported(manager: SessionManager, workdir: Path) -> None:
    execution, _ = await run(
        manager, workdir, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    )
    assert execution.ended == "died"  # type: ignore[attr-defined]
    assert "next call starts a fresh session" in execution.notes[0]  # type: ignore[attr-defined]
    after, fresh = await run(manager, workdir, "1 + 1")
    assert fresh and after.result == "2"  # type: ignore[attr-defined]


KERNEL_SOCKETS = """
import os, socket
def unix_sockets():
    for fd in range(3, 1024):
        try:
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        if sock.family == socket.AF_UNIX:
            yield sock
        else:
            sock.close()
def drop_unix_sockets():
    for sock in unix_sockets():
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
"""
"""Kernel code: the kernel's own unix sockets (its connections to the server), and
dropping every one of them, as code run in the sandbox can."""


async def test_swapped_socket_paths_do_not_redirect_the_server(
    manager: SessionManager, workdir: Path, tmp_path: Path
) -> None:
    host_socket = tmp_path / "host.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(host_socket))
        listener.listen()
        listener.settimeout(1.5)
        session, _ = await manager.session(CONVERSATION, workdir)
        info = json.loads(session.connection_file.read_text())  # type: ignore[union-attr]
        # Every kernel socket path becomes a link to a host socket and the kernel drops
        # its connections: the server's sockets must not reconnect through the links.
        code = f"""
import os, signal, time
for key in ("shell_port", "iopub_port", "stdin_port", "control_port"):
    path = "{info["ip"]}-" + str({info}[key])
    os.remove(path)
    os.symlink({str(host_socket)!r}, path)
drop_unix_sockets()
time.sleep(2)
os.kill(os.getpid(), signal.SIGKILL)
"""
        execution = await session.execute(KERNEL_SOCKETS + code)
        assert execution.ended == "died"
        with pytest.raises(TimeoutError):
            listener.accept()
    after, fresh = await run(manager, workdir, "'ok'")
    assert fresh and after.result == "'ok'"  # type: ignore[attr-defined]


DROP_MID_MESSAGE = """
import asyncio, json, sys, tempfile
from pathlib import Path
from gptforge.capabilities.sandbox import SandboxConfig, SandboxLimits, SessionManager

async def main():
    limits = SandboxLimits(wall_seconds=20, memory_bytes=1536 * 1024**2)
    manager = SessionManager(SandboxConfig(limits=limits))
    session, _ = await manager.session("c-drop", Path(tempfile.mkdtemp()))
    execution = await session.execute(sys.argv[1])
    await manager.close_all()
    print(json.dumps({"ended": execution.ended, "stdout": execution.stdout,
                      "notes": execution.notes}))

asyncio.run(main())
"""
"""Runs one call in a server process of its own: the failure this guards against is an
abort of the whole process, which must show as a failed test, not end the test run."""

KERNEL_DROPS_MID_MESSAGE = """
import fcntl, os, struct, termios, threading, time
kernel = get_ipython().kernel
# One message of 300,001 parts: the server takes about a second to read it.
kernel.session.send(kernel.iopub_socket, "stream", {"name": "stdout", "text": "many parts"},
                    parent=kernel.get_parent(), buffers=[b"."] * 300_000)
handed = threading.Event()
kernel.iopub_socket.io_thread.schedule(handed.set)
handed.wait()
def unsent(sock):
    try:
        return struct.unpack("i", fcntl.ioctl(sock, termios.TIOCOUTQ, b"0000"))[0]
    except OSError:
        return 0
quiet, deadline = 0, time.monotonic() + 10
while quiet < 3 and time.monotonic() < deadline:  # the server's I/O thread has it all
    quiet = quiet + 1 if sum(unsent(s) for s in unix_sockets()) == 0 else 0
    time.sleep(0.02)
time.sleep(0.2)  # the server is now reading the parts: drop every connection under it
drop_unix_sockets()
time.sleep(1)
os.kill(os.getpid(), 9)
"""


async def test_a_kernel_dropping_its_connections_mid_message_cannot_abort_the_server() -> None:
    # With reconnection off, libzmq cut the socket's pipe when the kernel hung up and
    # the server's read of the rest of the message failed an assertion: SIGABRT.
    src = Path(sandbox.__file__).parents[2]
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", DROP_MID_MESSAGE, KERNEL_SOCKETS + KERNEL_DROPS_MID_MESSAGE],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    assert done.returncode == 0, f"the server process failed ({done.returncode}): {done.stderr}"
    execution = json.loads(done.stdout.splitlines()[-1])
    assert execution["ended"] == "died"
    assert "next call starts a fresh session" in execution["notes"][0]
    assert execution["stdout"] == "many parts"  # the whole message was read


async def test_idle_sessions_are_reaped(manager: SessionManager, workdir: Path) -> None:
    session, _ = await manager.session(CONVERSATION, workdir)
    marker = str(session.connection_file)
    assert await manager.reap_idle(time.monotonic() + 1) == []
    assert await manager.reap_idle(time.monotonic() + LIMITS.idle_seconds + 1) == [CONVERSATION]
    assert not session.alive
    assert sandbox_processes(marker) == []


async def test_failing_bwrap_means_unavailable_and_nothing_runs(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # a root server stages the binary's folder for the sandbox uid
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    config = SandboxConfig(bwrap=fake, limits=LIMITS)
    reason = available(config)
    assert reason is not None
    assert "setting up uid map: Permission denied" in reason
    assert "user namespaces" in reason
    missing = available(SandboxConfig(bwrap=tmp_path / "nowhere" / "bwrap"))
    assert missing is not None and "does not exist" in missing
    manager = SessionManager(config)
    with pytest.raises(SandboxUnavailable):
        await manager.session("c-unavailable", tmp_path / "work")
    assert list(manager) == []
