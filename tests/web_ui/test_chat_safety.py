"""Model output cannot run script or load remote images; a reload mid-answer reattaches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from gptforge.llm import ScriptedProvider, ScriptedReply
from tests.servers import serve
from tests.web.chat import SlowProvider
from tests.web_ui.conftest import LiveServer, chat_as, send


@pytest.fixture
def image_host() -> Iterator[tuple[str, list[str]]]:
    """A loopback "remote" host that records every request it gets."""
    seen: list[str] = []
    app = FastAPI()

    @app.get("/{path:path}")
    def anything(path: str, request: Request) -> Response:
        seen.append(str(request.url))
        return Response(b"GIF89a", media_type="image/gif")

    with serve(app) as url:
        yield url, seen


def test_script_and_remote_images_in_an_answer_stay_inert(
    page: Any, live_server: LiveServer, image_host: tuple[str, list[str]]
) -> None:
    host, seen = image_host
    answer = (
        "Here you go <script>window.__pwned = 1</script>\n\n"
        f"![the chart]({host}/chart.png?leak=secret)\n\n"
        f'<img src="{host}/raw.png" onerror="window.__pwned = 2">\n\n'
        f"[link](javascript:window.__pwned=3) and **done**."
    )
    live_server.use_provider(ScriptedProvider([ScriptedReply(text=answer)]))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    chat_as(page, live_server, live_server.demo_gpt_id)
    send(page, "Show me")
    page.get_by_role("button", name="Copy").wait_for()

    bubble = page.locator(".message-assistant .bubble")
    assert "<script>window.__pwned = 1</script>" in bubble.inner_text()  # shown as text
    assert page.evaluate("() => window.__pwned") is None
    assert bubble.locator("img, script").count() == 0
    link = bubble.get_by_role("link", name="Image: the chart (not loaded)")
    assert link.get_attribute("href") == f"{host}/chart.png?leak=secret"
    assert bubble.locator("a[href^='javascript']").count() == 0
    page.reload()
    page.get_by_role("button", name="Copy").wait_for()
    assert page.evaluate("() => window.__pwned") is None
    assert seen == []
    assert not [url for url in requests if url.startswith(host)]


def test_reloading_during_an_answer_reattaches_to_the_stream(
    page: Any, live_server: LiveServer
) -> None:
    words = [f"word{n:02d} " for n in range(24)]
    live_server.use_provider(
        SlowProvider(
            [ScriptedReply(text="Hi."), ScriptedReply(text="".join(words))], delay=0.15, chunk=7
        )
    )
    chat_as(page, live_server, live_server.demo_gpt_id)
    send(page, "Hello")
    page.get_by_role("button", name="Copy").wait_for()
    send(page, "Tell me a long story")
    page.get_by_text("word03").wait_for()
    assert "word23" not in page.locator(".message-assistant .bubble").last.inner_text()

    resumed: list[dict[str, str]] = []
    page.on(
        "request",
        lambda request: (
            resumed.append(request.headers) if request.url.endswith("/events") else None
        ),
    )
    page.reload()
    page.get_by_role("button", name="Stop generating").wait_for()  # following the running turn
    page.locator(".message-assistant").nth(1).get_by_role("button", name="Copy").wait_for()
    bubbles = page.locator(".message-assistant .bubble").all_inner_texts()
    assert bubbles[0] == "Hi."
    assert bubbles[1].split() == [w.strip() for w in words]
    assert page.locator(".message-user").count() == 2
    # it resumed where this turn started (Last-Event-ID), not from the first event
    assert len(resumed) == 1 and int(resumed[0]["last-event-id"]) > 0


def test_stop_generating_ends_the_answer_on_the_server(page: Any, live_server: LiveServer) -> None:
    words = [f"word{n:02d} " for n in range(30)]
    live_server.use_provider(
        SlowProvider([ScriptedReply(text="".join(words))], delay=0.15, chunk=7)
    )
    chat_as(page, live_server, live_server.demo_gpt_id)
    send(page, "Tell me a long story")
    page.get_by_text("word02").wait_for()
    page.get_by_role("button", name="Stop generating").click()
    page.get_by_text("Stopped. The answer ends here.").wait_for()
    assert page.get_by_role("button", name="Stop generating").is_hidden()
    assert page.get_by_role("button", name="Send").is_enabled()
    shown = page.locator(".message-assistant .bubble").inner_text()
    page.wait_for_timeout(600)
    assert page.locator(".message-assistant .bubble").inner_text() == shown  # no more text
    assert "word29" not in shown
    # the server kept the answer as it was when stopped: a reload shows the same
    page.reload()
    page.locator(".message-assistant .bubble").first.wait_for()
    assert page.locator(".message-assistant .bubble").inner_text().split() == shown.split()
