"""The ``python`` tool as the runtime sees it: uploads in, output, figures and files out."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from gptforge.capabilities.code import CodeInterpreter, CodeInterpreterToolset, sync_files
from gptforge.capabilities.sandbox import SandboxConfig, SandboxLimits, SessionManager
from gptforge.toolsets import CallContext, CallResult, ToolCatalog

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIMITS = SandboxLimits(wall_seconds=8, memory_bytes=1536 * 1024**2, max_output_chars=4000)
CONTEXT = CallContext(conversation_id="c-code")
CSV = b"city,sales\nLyon,120\nNantes,80\nLyon,30\n"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def interpreter() -> AsyncIterator[CodeInterpreter]:
    interpreter = CodeInterpreter(config=SandboxConfig(limits=LIMITS))
    assert interpreter.available() is None
    try:
        yield interpreter
    finally:
        await interpreter.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files")


def toolset(interpreter: CodeInterpreter, folder: Path, **files: bytes) -> CodeInterpreterToolset:
    return interpreter.toolset_for("c-code", folder, files)


async def python(tools: CodeInterpreterToolset, code: str) -> CallResult:
    outcome = await tools.run("python", {"code": code}, CONTEXT)
    assert isinstance(outcome, CallResult)
    return outcome


async def test_the_tool_is_one_python_function(interpreter: CodeInterpreter, folder: Path) -> None:
    tools = toolset(interpreter, folder)
    catalog = ToolCatalog([tools])
    assert catalog.names() == ["python"]
    definition = catalog.definitions()[0]["function"]
    assert definition["parameters"]["required"] == ["code"]
    assert tools.key == "capability:code_interpreter"
    assert (
        tools.summary("python", {"code": "a = 1\nb = 2"}) == "Run Python (2 lines) in the sandbox"
    )


async def test_uploaded_csv_is_read_with_pandas(interpreter: CodeInterpreter, folder: Path) -> None:
    tools = toolset(interpreter, folder, **{"sales.csv": CSV})
    result = await python(
        tools,
        "import pandas as pd\ndf = pd.read_csv('sales.csv')\n"
        "print(df.groupby('city').sales.sum().to_dict())",
    )
    assert result.status == "ok", result.content
    assert result.content == "[stdout]\n{'Lyon': 150, 'Nantes': 80}"
    assert result.files == ()  # the upload itself is not offered back
    again = await python(tools, "len(df)")
    assert again.content == "[result]\n3"  # the session kept df


async def test_a_plot_comes_back_as_a_png(interpreter: CodeInterpreter, folder: Path) -> None:
    tools = toolset(interpreter, folder)
    result = await python(
        tools,
        "import matplotlib.pyplot as plt\nplt.bar(['Lyon', 'Nantes'], [150, 80])\n"
        "plt.title('Sales')\nplt.show()",
    )
    assert result.status == "ok", result.content
    assert [(f.name, f.media_type) for f in result.files] == [("figure-1.png", "image/png")]
    png = result.files[0].data
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000
    assert "[figures shown to the user] figure-1.png" in result.content


async def test_written_files_are_offered_back(interpreter: CodeInterpreter, folder: Path) -> None:
    tools = toolset(interpreter, folder)
    result = await python(
        tools,
        "import os\nos.makedirs('out', exist_ok=True)\n"
        "df.groupby('city').sales.sum().to_csv('out/totals.csv')\nprint('saved')",
    )
    assert [(f.name, f.media_type) for f in result.files] == [("out/totals.csv", "text/csv")]
    assert result.files[0].data == b"city,sales\nLyon,150\nNantes,80\n"
    assert "[files offered to the user] out/totals.csv" in result.content
    unchanged = await python(tools, "print('nothing new')")
    assert unchanged.files == ()


async def test_links_to_server_files_are_not_followed(
    interpreter: CodeInterpreter, folder: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "server-secret.txt"
    secret.write_text("server secret")
    tools = toolset(interpreter, folder, **{"sales.csv": CSV})
    planted = await python(
        tools,
        f"import os\nos.symlink({str(secret)!r}, 'leak.txt')\n"
        f"os.remove('sales.csv')\nos.symlink({str(secret)!r}, 'sales.csv')",
    )
    assert planted.status == "ok", planted.content
    assert planted.files == ()  # links are never read
    # The user uploads a new sales.csv: the planted link is replaced, not written through.
    newer = CSV + b"Paris,5\n"
    tools = toolset(interpreter, folder, **{"sales.csv": newer})
    result = await python(tools, "print(open('sales.csv').read().count('\\n'))")
    assert result.content == "[stdout]\n5"
    assert secret.read_text() == "server secret"
    assert (folder / "sales.csv").read_bytes() == newer


async def test_sync_refuses_paths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain name"):
        sync_files(tmp_path, {"..": b"x"})
    assert sync_files(tmp_path, {"../escape.txt": b"x"}) == ["escape.txt"]
    assert (tmp_path / "escape.txt").exists()
    assert not (tmp_path.parent / "escape.txt").exists()


async def test_errors_and_bad_arguments(interpreter: CodeInterpreter, folder: Path) -> None:
    tools = toolset(interpreter, folder)
    failed = await python(tools, "undefined_name")
    assert failed.status == "failed"
    assert "NameError" in failed.content and failed.content.startswith("[error]")
    empty = await tools.run("python", {"code": "  "}, CONTEXT)
    assert isinstance(empty, CallResult) and empty.status == "invalid_arguments"
    unknown = await tools.run("shell", {"code": "ls"}, CONTEXT)
    assert isinstance(unknown, CallResult) and unknown.status == "invalid_arguments"


async def test_a_killed_session_is_replaced_and_the_model_is_told(
    interpreter: CodeInterpreter, folder: Path
) -> None:
    tools = toolset(interpreter, folder)
    killed = await python(tools, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert killed.status == "failed"
    assert "The Python session ended" in killed.content
    after = await python(tools, "print(sorted(os.listdir('.')) if 'os' in dir() else 'fresh')")
    assert after.status == "ok"
    assert after.content.startswith("[stdout]\nfresh")
    assert "A new Python session was started" in after.content


async def test_idle_sessions_are_reaped_in_the_background(tmp_path: Path) -> None:
    manager = SessionManager(SandboxConfig(limits=replace(LIMITS, idle_seconds=0.5)))
    interpreter = CodeInterpreter(manager)
    reaper = asyncio.create_task(manager.reap_forever(every=0.2))
    try:
        result = await python(interpreter.toolset_for("c-idle", tmp_path), "x = 1")
        assert result.status == "ok"
        assert list(manager) == ["c-idle"]
        await asyncio.sleep(1.5)
        assert list(manager) == []
    finally:
        reaper.cancel()
        await interpreter.close()


async def test_unavailable_sandbox_runs_nothing(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    interpreter = CodeInterpreter(config=SandboxConfig(bwrap=fake, limits=LIMITS))
    reason = interpreter.available()
    assert reason is not None and "No permissions to create new namespace" in reason
    work = tmp_path / "work"
    tools = interpreter.toolset_for("c-off", work)
    result = await python(tools, "open('ran.txt', 'w').write('unsandboxed!')")
    assert result.status == "failed"
    assert result.content.startswith("The code interpreter is not available")
    assert result.message == reason
    assert not (work / "ran.txt").exists()
    assert not (Path(os.getcwd()) / "ran.txt").exists()
