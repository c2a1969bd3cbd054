"""The code interpreter: a ``python`` tool running in the conversation's sandbox.

One :class:`CodeInterpreter` per process owns the sandbox sessions
(:class:`~gptforge.capabilities.sandbox.SessionManager`); each turn asks it for the
conversation's :class:`CodeInterpreterToolset`.

The working folder contract: ``files_dir`` is the conversation's folder on the server,
seen by the code as its current directory ``/work``. The caller passes the user's
uploads as ``files`` (name -> bytes); before each call a file is written there when it
is missing or its upload changed since the last sync (so the code's own edits to it
survive until the user uploads a new version). After each call, regular files that
are new or changed in the folder come back as :class:`ResultFile` downloads (bounded in
count and size), beside the figures the code displayed (PNG). The folder is written by
untrusted code: it is only ever read and written here without following links.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gptforge.capabilities.sandbox import (
    Execution,
    SandboxConfig,
    SandboxUnavailable,
    SessionManager,
)
from gptforge.toolsets import (
    CallContext,
    CallOutcome,
    CallResult,
    ResultFile,
    ToolInfo,
    capability_key,
)

__all__ = ["CodeInterpreter", "CodeInterpreterToolset", "FileLimits", "sync_files"]

KEY = capability_key("code_interpreter")
_DESCRIPTION = (
    "Run Python code in a private, persistent Jupyter session (variables and imports "
    "survive between calls). The current directory holds the files the user uploaded; "
    "files you write there are offered to the user as downloads. numpy, pandas and "
    "matplotlib are installed; figures you show (plt.show()) are displayed to the user. "
    "There is no network access. Returns stdout, stderr, the value of the last "
    "expression and any error."
)


@dataclass(frozen=True, kw_only=True)
class FileLimits:
    """How many files, and how big, a call may hand back."""

    max_files: int = 10
    max_file_bytes: int = 20 * 1024**2
    max_upload_bytes: int = 100 * 1024**2


@dataclass(frozen=True)
class _Stamp:
    size: int
    mtime_ns: int


def _walk(folder: Path) -> dict[str, _Stamp]:
    """Regular files under ``folder`` (relative names), links never followed."""
    found: dict[str, _Stamp] = {}
    if not folder.is_dir():
        return found
    for top, dirs, files, top_fd in os.fwalk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative = Path(top).relative_to(folder)
        for name in files:
            if name.startswith("."):
                continue
            try:
                info = os.stat(name, dir_fd=top_fd, follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found[str(relative / name)] = _Stamp(info.st_size, info.st_mtime_ns)
    return found


def _read_regular(folder: Path, relative: str, limit: int) -> bytes | None:
    """The file's bytes if it is a regular file within ``limit``, opened without
    following any link on the way (the sandbox could plant one to a host file)."""
    parts = Path(relative).parts
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fds: list[int] = []
    try:
        fds.append(os.open(folder, os.O_RDONLY | os.O_DIRECTORY))
        for part in parts[:-1]:
            fds.append(os.open(part, flags | os.O_DIRECTORY, dir_fd=fds[-1]))
        fd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=fds[-1])
        fds.append(fd)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = os.read(fd, limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        for fd in reversed(fds):
            os.close(fd)


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    if base in ("", ".", "..") or base.startswith("."):
        raise ValueError(f"{name!r} is not a usable file name: give a plain name like data.csv.")
    return base


def sync_files(folder: Path, files: Mapping[str, bytes], *, uid: int | None = None) -> list[str]:
    """Write ``files`` (plain names) into ``folder``, replacing whatever is there under
    those names (a link is replaced, never followed); the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for raw_name, data in files.items():
            name = _safe_name(raw_name)
            try:
                os.unlink(name, dir_fd=dir_fd)
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                continue
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
            try:
                os.write(fd, data)
                if uid is not None:
                    os.fchown(fd, uid, uid)
            finally:
                os.close(fd)
            written.append(name)
    finally:
        os.close(dir_fd)
    return written


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Conversation:
    synced: dict[str, str] = field(default_factory=dict)
    """Upload name -> digest of what was last written into the folder."""
    had_session: bool = False


class CodeInterpreter:
    """The code interpreter of this process: sessions, plus one toolset per turn."""

    def __init__(
        self,
        manager: SessionManager | None = None,
        *,
        config: SandboxConfig | None = None,
        file_limits: FileLimits | None = None,
    ) -> None:
        self.manager = manager or SessionManager(config)
        self.file_limits = file_limits or FileLimits()
        self._conversations: dict[str, _Conversation] = {}

    def available(self) -> str | None:
        """None when code can run here, else why not (show it; never run unsandboxed)."""
        return self.manager.available()

    def toolset_for(
        self,
        conversation_id: str,
        files_dir: Path,
        files: Mapping[str, bytes] | None = None,
    ) -> CodeInterpreterToolset:
        return CodeInterpreterToolset(self, conversation_id, files_dir, files or {})

    def _state(self, conversation_id: str) -> _Conversation:
        return self._conversations.setdefault(conversation_id, _Conversation())

    async def close(self) -> None:
        await self.manager.close_all()


class CodeInterpreterToolset:
    """The ``python`` tool for one conversation (a :class:`~gptforge.toolsets.Toolset`)."""

    def __init__(
        self,
        interpreter: CodeInterpreter,
        conversation_id: str,
        files_dir: Path,
        files: Mapping[str, bytes],
    ) -> None:
        self.interpreter = interpreter
        self.conversation_id = conversation_id
        self.files_dir = files_dir
        self.files = files

    @property
    def key(self) -> str:
        return KEY

    @property
    def label(self) -> str:
        return "Code interpreter"

    def tools(self) -> Sequence[ToolInfo]:
        return [
            ToolInfo(
                name="python",
                description=_DESCRIPTION,
                parameters={
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "description": "Python code to run."}
                    },
                    "required": ["code"],
                    "additionalProperties": False,
                },
                label="Run Python",
            )
        ]

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        code = str(arguments.get("code", ""))
        lines = code.count("\n") + 1 if code else 0
        return f"Run Python ({lines} line{'s' if lines != 1 else ''}) in the sandbox"

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallOutcome:
        if tool != "python":
            return CallResult(
                status="invalid_arguments",
                content=f"Unknown tool {tool!r}: the code interpreter offers only `python`.",
            )
        code = arguments.get("code")
        if not isinstance(code, str) or not code.strip():
            return CallResult(
                status="invalid_arguments",
                content="`code` must be a non-empty string of Python code.",
            )
        reason = await asyncio.to_thread(self.interpreter.available)  # seconds, once
        if reason is not None:
            return _unavailable(reason)
        manager = self.interpreter.manager
        state = self.interpreter._state(self.conversation_id)
        try:
            self._sync(state, manager.uid_for(self.conversation_id))
        except (OSError, ValueError) as exc:
            return CallResult(
                status="failed",
                content="The uploaded files could not be placed in the working folder.",
                message=f"Syncing uploads into {self.files_dir} failed: {exc}",
            )
        before = _walk(self.files_dir)
        try:
            session, fresh = await manager.session(self.conversation_id, self.files_dir)
        except SandboxUnavailable as exc:
            return _unavailable(exc.message)
        notes = []
        if fresh and state.had_session:
            notes.append(
                "A new Python session was started: variables and imports from earlier "
                "calls are gone; the files in the working folder are still there."
            )
        state.had_session = True
        execution = await session.execute(code)
        files = self._result_files(execution, before)
        content = _content(execution, files, notes, figures=len(execution.images))
        return CallResult(
            status="ok" if execution.ended == "ok" else "failed",
            content=content,
            record={
                "code": code,
                "ended": execution.ended,
                "files": [f.name for f in files],
                "new_session": fresh,
            },
            duration_ms=execution.duration_ms,
            files=tuple(files),
        )

    def _sync(self, state: _Conversation, uid: int | None) -> None:
        limit = self.interpreter.file_limits.max_upload_bytes
        pending = {}
        present = _walk(self.files_dir)
        for name, data in self.files.items():
            if len(data) > limit:
                raise ValueError(f"{name} is larger than {limit} bytes")
            safe = _safe_name(name)
            if safe not in present or state.synced.get(safe) != _digest(data):
                pending[safe] = data
        sync_files(self.files_dir, pending, uid=uid)
        state.synced.update({name: _digest(data) for name, data in pending.items()})

    def _result_files(self, execution: Execution, before: Mapping[str, _Stamp]) -> list[ResultFile]:
        limits = self.interpreter.file_limits
        files = [
            ResultFile(name=f"figure-{index}.png", media_type="image/png", data=png)
            for index, png in enumerate(execution.images, start=1)
        ]
        after = _walk(self.files_dir)
        changed = sorted(name for name, stamp in after.items() if before.get(name) != stamp)
        for name in changed:
            if len(files) >= limits.max_files + len(execution.images):
                execution.notes.append(
                    f"Only {limits.max_files} changed files are offered per call."
                )
                break
            data = _read_regular(self.files_dir, name, limits.max_file_bytes)
            if data is None:
                execution.notes.append(
                    f"{name} is not offered: over {limits.max_file_bytes} bytes or not a "
                    "regular file."
                )
                continue
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append(ResultFile(name=name, media_type=media_type, data=data))
        return files


def _unavailable(reason: str) -> CallResult:
    return CallResult(
        status="failed",
        content="The code interpreter is not available on this server, so the code was not run.",
        message=reason,
    )


def _content(
    execution: Execution, files: Sequence[ResultFile], notes: list[str], *, figures: int
) -> str:
    """What the model reads: each part labelled, empty parts left out."""
    parts = []
    for label, text in (
        ("stdout", execution.stdout),
        ("stderr", execution.stderr),
        ("result", execution.result),
        ("error", execution.error),
    ):
        if text:
            parts.append(f"[{label}]\n{text.rstrip()}")
    shown = [f.name for f in files[:figures]]
    downloads = [f.name for f in files[figures:]]
    if shown:
        parts.append(f"[figures shown to the user] {', '.join(shown)}")
    if downloads:
        parts.append(f"[files offered to the user] {', '.join(downloads)}")
    parts.extend(f"[note] {note}" for note in [*notes, *execution.notes])
    return "\n".join(parts) or "(no output)"
