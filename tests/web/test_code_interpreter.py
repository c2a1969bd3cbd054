"""The code interpreter in a chat: uploads in, figures and files out, sessions per conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.web.capability_service import code_interpreter, sandbox_folder
from gptforge.web.platform import Platform
from tests.web.chat import new_conversation, send
from tests.web.test_files import gpt_with, upload

CHART = """
import pandas as pd
import matplotlib.pyplot as plt
sales = pd.read_csv("sales.csv")
total = int(sales["units"].sum())
sales.plot(x="month", y="units")
plt.show()
sales.to_csv("summary.csv", index=False)
print("total", total)
"""


def python(code: str) -> ScriptedReply:
    return ScriptedReply(calls=(ScriptedCall(name="python", arguments={"code": code}),))


@pytest.fixture
async def sandboxed(platform: Platform) -> AsyncIterator[Platform]:
    reason = code_interpreter(platform).available()
    if reason is not None:
        pytest.skip(f"no sandbox on this host: {reason}")
    yield platform
    await code_interpreter(platform).close()


async def test_an_uploaded_csv_becomes_a_chart_and_a_download(
    sandboxed: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    gpt_id = await gpt_with(alice, code_interpreter=True)
    conversation_id = await new_conversation(alice, gpt_id, draft=True)
    csv = b"month,units\njan,3\nfeb,5\nmar,9\n"
    assert (await upload(alice, conversation_id, "sales.csv", csv, "text/csv")).status_code == 201
    sandboxed.provider = ScriptedProvider(
        [
            python(CHART),
            ScriptedReply(text="Here is the chart."),
            python("print(total * 2)"),
            ScriptedReply(text="Doubled."),
        ]
    )

    events = await send(alice, conversation_id, "Chart my sales")

    finished = next(e for e in events if e.kind == "tool_call_finished")
    assert finished.data["status"] == "ok", finished.data
    names = {file["name"]: file for file in finished.data["files"]}
    assert "summary.csv" in names
    [figure] = [f for f in finished.data["files"] if f["media_type"] == "image/png"]
    image = await alice.get(f"/api/v1/files/{figure['id']}")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert (await bob.get(f"/api/v1/files/{figure['id']}")).status_code == 404
    conversation = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    tool_message = next(m for m in conversation["messages"] if m["role"] == "tool")
    assert "total 17" in tool_message["content"]

    # the session (its variables) lives on into the next turn
    events = await send(alice, conversation_id, "Double it")
    conversation = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    tool_messages = [m for m in conversation["messages"] if m["role"] == "tool"]
    assert "34" in tool_messages[-1]["content"]

    # deleting the conversation ends its sandbox and removes its folder
    folder = sandbox_folder(sandboxed, conversation_id)
    assert (folder / "sales.csv").exists()
    assert (await alice.delete(f"/api/v1/conversations/{conversation_id}")).status_code == 204
    assert not folder.exists()
