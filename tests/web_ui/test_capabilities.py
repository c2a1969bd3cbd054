"""Capabilities in the chat: an attached CSV charted by the code interpreter (the figure
inline, a written file to download), a browsing answer citing a local page, and the
messages for refused uploads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.web.capability_service import code_interpreter
from tests.capabilities.sites import IMAGES_KEY, Recorder, images_app, search_app, site_app
from tests.servers import serve
from tests.web_ui.conftest import (
    ConsoleErrors,
    LiveServer,
    allow_hosts,
    api_admin,
    api_user,
    axe_check,
    chat_as,
    screenshot,
    send,
    sign_up,
)

CSV = b"month,sales\nJan,120\nFeb,135\nMar,160\nApr,150\nMay,190\nJun,210\n"
CHART_CODE = """\
import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv("sales.csv")
ax = df.plot(x="month", y="sales", kind="bar", legend=False, title="Sales by month")
ax.set_ylabel("sales")
plt.show()
df.assign(share=df.sales / df.sales.sum()).to_csv("sales_share.csv", index=False)
print("total", df.sales.sum())
"""
WAIT_MS = 90_000  # the first call starts the sandbox's kernel


def capability_gpt(owner: httpx.Client, name: str, **capabilities: bool) -> str:
    """A published (link) GPT with no actions and the given capabilities on."""
    made = owner.post(
        "/api/v1/gpts",
        json={
            "name": name,
            "description": "A test GPT with built-in capabilities.",
            "instructions": "Use your tools.",
            "conversation_starters": ["Go"],
            "capabilities": capabilities,
        },
    )
    assert made.status_code == 201, made.text
    gpt_id = str(made.json()["id"])
    published = owner.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "link"})
    assert published.status_code == 200, published.text
    return gpt_id


def attach(page: Any, name: str, data: bytes, mime: str = "text/csv") -> None:
    """Choose a file with the "Attach file" button, pressed from the keyboard."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach file").focus()
        page.keyboard.press("Enter")
    chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_a_csv_is_charted_and_the_chart_shows_in_the_chat(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    reason = code_interpreter(live_server.platform).available()
    if reason is not None:
        pytest.skip(f"the code sandbox cannot run on this host: {reason}")
    with api_user(live_server, "Analyst") as owner:
        gpt_id = capability_gpt(owner, "Data analyst", code_interpreter=True)
    live_server.use_provider(
        ScriptedProvider(
            [
                ScriptedReply(calls=(ScriptedCall(name="python", arguments={"code": CHART_CODE}),)),
                ScriptedReply(text="Here is the chart of **sales by month**; June sold most."),
            ]
        )
    )
    chat_as(page, live_server, gpt_id)

    console_errors.expect(r"Failed to load resource.*422")  # the empty file, on purpose
    attach(page, "empty.csv", b"")  # refused: the chat says why
    page.get_by_role("alert").filter(has_text="Could not attach empty.csv").wait_for()
    assert "empty" in page.get_by_role("alert").first.inner_text()

    attach(page, "sales.csv", CSV)  # makes the conversation, shows the file in the composer
    composer_files = page.get_by_role("list", name="Attached files")
    composer_files.get_by_role("link", name="sales.csv").wait_for()
    page.wait_for_url(re.compile(r"/c/"))
    assert page.get_by_role("alert").filter(has_text="Could not attach").count() == 0

    send(page, "Chart the monthly sales in the file I attached")
    chip = page.locator("details.chip").filter(has_text="Ran Python")
    chip.wait_for(timeout=WAIT_MS)
    page.get_by_text("June sold most").wait_for(timeout=WAIT_MS)
    image = page.locator(".call-files img").first
    image.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.get_attribute("src", timeout=1000).startswith("/api/v1/files/")
    download = page.get_by_role("link", name=re.compile(r"^sales_share\.csv"))
    assert re.search(r"\(\d+(\.\d)? (bytes|kB)\)", download.inner_text())
    with page.expect_download() as downloaded:
        download.click()
    assert downloaded.value.suggested_filename == "sales_share.csv"
    assert Path(downloaded.value.path()).read_text(encoding="utf-8").startswith("month,sales,share")

    page.get_by_text("June sold most").scroll_into_view_if_needed()
    screenshot(page, "chat-chart")
    chip.locator("summary").click()  # the code that ran and what it printed
    details = chip.locator(".chip-body").inner_text()
    assert 'pd.read_csv("sales.csv")' in details and "total 965" in details
    # the user's message carries the attached file
    sent = page.locator(".message-user").filter(has_text="Chart the monthly sales")
    assert sent.get_by_role("link", name="sales.csv").is_visible()
    axe_check(page)

    page.reload()  # the chart, the download and the chip come back from the history
    page.locator("details.chip").filter(has_text="Ran Python").wait_for()
    image = page.locator(".call-files img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert page.get_by_role("link", name=re.compile(r"^sales_share\.csv")).is_visible()
    assert page.get_by_role("link", name="sales.csv").first.is_visible()


def test_an_attached_file_can_be_removed_before_sending(page: Any, live_server: LiveServer) -> None:
    with api_user(live_server, "Remover") as owner:
        gpt_id = capability_gpt(owner, "File reader", code_interpreter=True)
    live_server.use_provider(ScriptedProvider([ScriptedReply(text="Nothing attached now.")]))
    chat_as(page, live_server, gpt_id)
    attach(page, "wrong.csv", CSV)
    attach(page, "right.csv", CSV)
    composer_files = page.get_by_role("list", name="Attached files")
    composer_files.get_by_role("link", name="right.csv").wait_for()

    composer_files.get_by_role("button", name="Remove wrong.csv").click()
    composer_files.get_by_role("link", name="wrong.csv").wait_for(state="detached")
    conversation_id = page.url.rsplit("/", 1)[-1]
    listed = page.evaluate(
        "async (id) => (await (await fetch(`/api/v1/conversations/${id}/files`)).json())"
        ".map(f => f.name)",
        conversation_id,
    )
    assert listed == ["right.csv"]
    send(page, "Read it")
    page.get_by_text("Nothing attached now.").wait_for()
    sent = page.locator(".message-user").filter(has_text="Read it")
    assert sent.get_by_role("link", name="right.csv").is_visible()
    assert sent.get_by_role("link", name="wrong.csv").count() == 0


def test_a_browsing_answer_cites_the_page_it_read(page: Any, live_server: LiveServer) -> None:
    with serve(site_app()) as site:
        allow_hosts(live_server, site)  # a loopback page: the admin allowlists its host
        article = f"{site}/article"
        with api_user(live_server, "Reader") as owner:
            gpt_id = capability_gpt(owner, "Otter reader", web_browsing=True)

        def reply(messages: list[Any], _tools: list[Any]) -> ScriptedReply:
            last = messages[-1]
            if last["role"] == "tool":
                assert "hold hands while they sleep" in str(last["content"])
                return ScriptedReply(
                    text="Sea otters hold hands while they sleep so they do not drift apart "
                    f"([Why otters hold hands]({article}))."
                )
            return ScriptedReply(calls=(ScriptedCall(name="open_url", arguments={"url": article}),))

        live_server.use_provider(ScriptedProvider(reply))
        chat_as(page, live_server, gpt_id)
        send(page, "Why do otters hold hands?")

        page.get_by_text("so they do not drift apart").wait_for()
        chip = page.locator("details.chip").first
        assert chip.locator("summary").inner_text() == "Read 127.0.0.1"
        citation = page.locator(".bubble").get_by_role("link", name="Why otters hold hands")
        citation.wait_for()
        assert citation.is_visible()
        assert citation.get_attribute("href") == article
        assert citation.get_attribute("target") == "_blank"
        assert set((citation.get_attribute("rel") or "").split()) == {
            "noopener",
            "noreferrer",
            "nofollow",
        }
        chip.locator("summary").click()
        body = chip.locator(".chip-body")
        assert body.get_by_role("link", name=article).is_visible()
        assert "Why otters hold hands" in body.inner_text()
        axe_check(page)


@pytest.fixture
def search_and_images(live_server: LiveServer) -> Iterator[None]:
    """SearXNG and an images API on loopback, set up by the admin; unset afterwards."""
    recorder = Recorder()
    with (
        serve(search_app(recorder)) as search,
        serve(images_app(recorder)) as images,
        api_admin(live_server) as admin,
    ):
        response = admin.put(
            "/api/v1/admin/capabilities",
            json={
                "search": {"provider": "searxng", "url": f"{search}/search"},
                "images": {"base_url": f"{images}/v1", "api_key": IMAGES_KEY},
            },
        )
        assert response.status_code == 200, response.text
        try:
            yield
        finally:
            unset = {
                "search": {"provider": None, "url": None},
                "images": {"base_url": None, "api_key": None},
            }
            assert admin.put("/api/v1/admin/capabilities", json=unset).status_code == 200


def test_a_search_and_a_generated_image_show_as_chips(
    page: Any, live_server: LiveServer, search_and_images: None
) -> None:
    with api_user(live_server, "Illustrator") as owner:
        gpt_id = capability_gpt(owner, "Otter artist", web_browsing=True, image_generation=True)
    live_server.use_provider(
        ScriptedProvider(
            [
                ScriptedReply(
                    calls=(ScriptedCall(name="web_search", arguments={"query": "otters kelp"}),)
                ),
                ScriptedReply(
                    calls=(
                        ScriptedCall(
                            name="generate_image", arguments={"prompt": "an otter in kelp"}
                        ),
                    )
                ),
                ScriptedReply(
                    text="Here is your otter, drawn after [Otter Facts](https://otters.example/facts)."
                ),
            ]
        )
    )
    chat_as(page, live_server, gpt_id)
    send(page, "Find otter facts and draw one")
    page.get_by_text("Here is your otter").wait_for()
    labels = page.locator("details.chip summary").all_inner_texts()
    assert labels == ["Searched the web for “otters kelp”", "Generated an image"]
    search_chip = page.locator("details.chip").first
    search_chip.locator("summary").click()
    assert search_chip.get_by_role("link", name="Otter Facts").get_attribute("href") == (
        "https://otters.example/facts"
    )
    image = page.locator(".call-files img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    axe_check(page)


HANDBOOK = b"""# Field handbook

## Otter rafts

A group of resting sea otters is called a raft. Rafts of more than a hundred animals
have been counted off the coast of California.

## Kelp

Otters wrap themselves in kelp so that they do not drift away while they sleep.
"""


def test_a_knowledge_answer_cites_the_uploaded_file(page: Any, live_server: LiveServer) -> None:
    with api_user(live_server, "Librarian") as owner:
        made = owner.post(
            "/api/v1/gpts",
            json={
                "name": "Otter handbook",
                "description": "Answers from the field handbook.",
                "instructions": "Answer from the knowledge files and cite them.",
                "capabilities": {"knowledge": True},
            },
        )
        assert made.status_code == 201, made.text
        gpt_id = str(made.json()["id"])
        uploaded = owner.post(
            f"/api/v1/gpts/{gpt_id}/knowledge",
            files=[("files", ("field-handbook.md", HANDBOOK, "text/markdown"))],
        )
        assert uploaded.status_code == 201, uploaded.text
        published = owner.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "link"})
        assert published.status_code == 200, published.text

    def reply(messages: list[Any], _tools: list[Any]) -> ScriptedReply:
        last = messages[-1]
        if last["role"] == "tool":
            content = str(last["content"])
            assert "called a raft" in content and "field-handbook.md" in content
            return ScriptedReply(
                text="A group of resting sea otters is called a **raft** [field-handbook.md]."
            )
        return ScriptedReply(
            calls=(ScriptedCall(name="search_knowledge", arguments={"query": "otter group raft"}),)
        )

    live_server.use_provider(ScriptedProvider(reply))
    chat_as(page, live_server, gpt_id)
    send(page, "What is a group of otters called?")
    answer = page.locator(".message-assistant .bubble").filter(has_text="[field-handbook.md]")
    answer.wait_for()  # the whole answer, citation included, has arrived
    answer.locator("strong", has_text="raft").wait_for()  # and is rendered as Markdown
    assert "A group of resting sea otters is called a raft" in answer.inner_text()
    chip = page.locator("details.chip").first
    assert chip.locator("summary").inner_text() == "Searched knowledge"
    chip.locator("summary").click()
    details = chip.locator(".chip-body").inner_text()
    assert "otter group raft" in details and "field-handbook.md" in details
    axe_check(page)
    page.reload()  # the chip comes back from the history
    assert page.locator("details.chip summary").first.inner_text() == "Searched knowledge"


def test_knowledge_files_are_managed_in_the_editor_and_cited_in_preview(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"Failed to load resource.*(413|422)")  # the refused file, on purpose
    sign_up(page, live_server, "Curator")
    page.get_by_role("button", name="Create a GPT").click()
    page.wait_for_url(re.compile(r"/gpts/[^/]+/edit$"))
    page.get_by_role("tab", name="Configure").click()
    # the Preview below must talk to a draft that has the capability: wait for its save
    with page.expect_response(
        lambda response: response.request.method == "PATCH" and "/api/v1/gpts/" in response.url
    ) as saved:
        page.get_by_role("checkbox", name="Knowledge").check()
    assert saved.value.ok
    section = page.locator("[data-knowledge]")
    knowledge_list = section.get_by_role("list", name="Knowledge files")

    with page.expect_file_chooser() as chooser:
        section.get_by_role("button", name="Upload files").click()
    chooser.value.set_files(
        files=[{"name": "field-handbook.md", "mimeType": "text/markdown", "buffer": HANDBOOK}]
    )
    row = knowledge_list.get_by_role("listitem").filter(has_text="field-handbook.md")
    row.wait_for()
    assert re.search(r"\d+ passages?", row.inner_text())

    with page.expect_file_chooser() as chooser:
        section.get_by_role("button", name="Upload files").click()
    chooser.value.set_files(files=[{"name": "blank.txt", "mimeType": "text/plain", "buffer": b""}])
    error = section.get_by_role("alert")
    error.wait_for()
    assert error.inner_text().startswith("Could not upload:")
    assert knowledge_list.get_by_role("listitem").count() == 1
    axe_check(page)

    def reply(messages: list[Any], _tools: list[Any]) -> ScriptedReply:
        if messages[-1]["role"] == "tool":
            assert "field-handbook.md" in str(messages[-1]["content"])
            return ScriptedReply(text="They form a raft [field-handbook.md].")
        return ScriptedReply(
            calls=(ScriptedCall(name="search_knowledge", arguments={"query": "otter raft"}),)
        )

    live_server.use_provider(ScriptedProvider(reply))
    preview = page.locator("[data-preview]")
    preview.get_by_label("Message").fill("What is a group of otters called?")
    preview.get_by_role("button", name="Send").click()
    preview.locator(".bubble").filter(has_text="[field-handbook.md]").wait_for()
    assert preview.locator("details.chip summary").first.inner_text() == "Searched knowledge"

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete field-handbook.md").click()
    row.wait_for(state="detached")
    assert section.get_by_text("No files yet").is_visible()
