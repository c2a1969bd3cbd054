"""Knowledge files over the API: upload, list, delete, who may, limits, damaged files,
and what publishing, restoring, duplicating and exporting do with them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.store import Conversation, Gpt
from gptforge.store.knowledge import KnowledgeRepository
from gptforge.toolsets import CallContext, CallResult
from gptforge.web.knowledge_service import conversation_knowledge_toolset, knowledge_toolset
from gptforge.web.platform import Platform
from tests.capabilities.documents import make_docx, make_pdf
from tests.capabilities.embeddings import embeddings_app
from tests.servers import serve
from tests.web.chat import new_conversation, send
from tests.web.conftest import assert_error

MANUAL = b"# Espresso X2\n\n## Warranty\n\nThe warranty lasts 24 months from purchase.\n"
PDF = make_pdf([["Safety sheet"], ["Never open the boiler while it is hot."]])
DOCX = make_docx([("heading", "Leave", 1), ("para", "Everyone gets 27 days of paid leave.")])

File = tuple[str, bytes, str]


async def new_gpt(client: httpx.AsyncClient, **fields: Any) -> str:
    body = {"name": "Helper", "description": "Answers from the manual", **fields}
    response = await client.post("/api/v1/gpts", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def upload(client: httpx.AsyncClient, gpt_id: str, *files: File) -> httpx.Response:
    return await client.post(
        f"/api/v1/gpts/{gpt_id}/knowledge",
        files=[("files", (name, data, media_type)) for name, data, media_type in files],
    )


async def names(client: httpx.AsyncClient, gpt_id: str) -> list[str]:
    response = await client.get(f"/api/v1/gpts/{gpt_id}/knowledge")
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]


async def search(platform: Platform, gpt_id: str, version: int, query: str) -> str | None:
    toolset = await knowledge_toolset(platform.db, gpt_id, version)
    if toolset is None:
        return None
    outcome = await toolset.run("search_knowledge", {"query": query}, CallContext())
    assert isinstance(outcome, CallResult) and outcome.ok
    return outcome.content


class TestUpload:
    async def test_each_type_is_indexed_and_listed(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await upload(
            alice,
            gpt_id,
            ("manual.md", MANUAL, "text/markdown"),
            ("safety.pdf", PDF, "application/pdf"),
            ("leave.docx", DOCX, "application/octet-stream"),
            ("notes.txt", b"The door code is 4711.", "text/plain"),
            ("faq.html", b"<h1>FAQ</h1><p>Descale monthly.</p>", "text/html"),
            ("parts.csv", b"part,price\ngasket,4.20\n", "text/csv"),
            ("api.json", b'{"endpoint": "/brew", "method": "POST"}', "application/json"),
        )
        assert response.status_code == 201, response.text
        files = response.json()
        assert [f["name"] for f in files] == [
            "manual.md",
            "safety.pdf",
            "leave.docx",
            "notes.txt",
            "faq.html",
            "parts.csv",
            "api.json",
        ]
        pdf = files[1]
        assert pdf["media_type"] == "application/pdf" and pdf["pages"] == 2
        assert pdf["size"] == len(PDF) and pdf["chunks"] >= 1
        assert files[2]["media_type"].endswith("wordprocessingml.document")
        assert all(f["id"].startswith("kf-") and f["created_at"] for f in files)
        listed = (await alice.get(f"/api/v1/gpts/{gpt_id}/knowledge")).json()
        assert listed == files

    async def test_a_file_with_the_same_name_is_replaced(
        self, alice: httpx.AsyncClient, platform: Platform
    ) -> None:
        gpt_id = await new_gpt(alice)
        await upload(alice, gpt_id, ("notes.txt", b"The door code is 4711.", "text/plain"))
        await upload(alice, gpt_id, ("notes.txt", b"The door code is 9832.", "text/plain"))
        assert await names(alice, gpt_id) == ["notes.txt"]
        content = await search(platform, gpt_id, 0, "door code")
        assert content is not None and "9832" in content and "4711" not in content

    async def test_folders_in_names_are_dropped(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await upload(alice, gpt_id, ("../../etc/notes.txt", b"hello", "text/plain"))
        assert response.status_code == 201 and response.json()[0]["name"] == "notes.txt"


class TestRefused:
    async def test_a_damaged_pdf_is_422_and_nothing_stored_is_lost(
        self, alice: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        assert (await upload(alice, gpt_id, ("manual.md", MANUAL, "text/markdown"))).is_success
        response = await upload(
            alice,
            gpt_id,
            ("extra.txt", b"fine text", "text/plain"),
            ("report.pdf", PDF[:300] + b"\x00garbage" * 20, "application/pdf"),
        )
        error = assert_error(response, 422, "unreadable_file")
        assert "report.pdf" in error["message"] and "not a readable PDF" in error["message"]
        assert error["details"] == {"file": "report.pdf"}
        assert await names(alice, gpt_id) == ["manual.md"]  # extra.txt was not kept either

    async def test_a_pdf_name_on_text_is_422(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await upload(alice, gpt_id, ("scan.pdf", b"hello there", "application/pdf"))
        assert "is not a PDF" in assert_error(response, 422, "unreadable_file")["message"]

    async def test_unsupported_types_say_which_are(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await upload(alice, gpt_id, ("photo.png", b"\x89PNG", "image/png"))
        error = assert_error(response, 422, "unsupported_file_type")
        assert "PDF, DOCX" in error["message"]

    async def test_too_large_is_413(self, alice: httpx.AsyncClient, platform: Platform) -> None:
        platform.settings.knowledge_max_file_bytes = 1000
        gpt_id = await new_gpt(alice)
        response = await upload(alice, gpt_id, ("big.txt", b"word " * 300, "text/plain"))
        error = assert_error(response, 413, "knowledge_file_too_large")
        assert "1,000 bytes" in error["message"]
        assert await names(alice, gpt_id) == []

    async def test_too_many_files_is_422(
        self, alice: httpx.AsyncClient, platform: Platform
    ) -> None:
        platform.settings.knowledge_max_files = 2
        gpt_id = await new_gpt(alice)
        first = await upload(
            alice, gpt_id, ("a.txt", b"alpha", "text/plain"), ("b.txt", b"beta", "text/plain")
        )
        assert first.status_code == 201
        response = await upload(alice, gpt_id, ("c.txt", b"gamma", "text/plain"))
        error = assert_error(response, 422, "too_many_knowledge_files")
        assert "at most 2" in error["message"]
        # replacing one that is there does not count as another file
        assert (await upload(alice, gpt_id, ("a.txt", b"alpha 2", "text/plain"))).is_success

    async def test_no_files_and_empty_names(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await alice.post(f"/api/v1/gpts/{gpt_id}/knowledge", data={"x": "1"})
        assert_error(response, 422)
        response = await upload(alice, gpt_id, ("a.txt", b"1", "text/plain"), ("a.txt", b"2", "t"))
        assert_error(response, 422, "duplicate_file_name")


class TestAccess:
    async def test_anonymous_is_401(
        self, alice: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        assert_error(await anonymous.get(f"/api/v1/gpts/{gpt_id}/knowledge"), 401)
        assert_error(await upload(anonymous, gpt_id, ("a.txt", b"x", "text/plain")), 401)
        assert_error(await anonymous.delete(f"/api/v1/gpts/{gpt_id}/knowledge/kf-x"), 401)

    async def test_another_users_private_gpt_is_404_on_every_verb(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        created = await upload(alice, gpt_id, ("notes.txt", b"secret plans", "text/plain"))
        file_id = created.json()[0]["id"]
        assert_error(await bob.get(f"/api/v1/gpts/{gpt_id}/knowledge"), 404, "gpt_not_found")
        assert_error(await upload(bob, gpt_id, ("x.txt", b"x", "text/plain")), 404)
        assert_error(await bob.delete(f"/api/v1/gpts/{gpt_id}/knowledge/{file_id}"), 404)
        assert await names(alice, gpt_id) == ["notes.txt"]

    async def test_a_shared_gpt_is_403_for_others(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        await upload(alice, gpt_id, ("notes.txt", b"plans", "text/plain"))
        response = await alice.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "link"})
        assert response.status_code == 200, response.text
        assert_error(await bob.get(f"/api/v1/gpts/{gpt_id}/knowledge"), 403)
        assert_error(await upload(bob, gpt_id, ("x.txt", b"x", "text/plain")), 403)

    async def test_a_file_of_another_gpt_is_not_found_through_mine(
        self, alice: httpx.AsyncClient
    ) -> None:
        mine = await new_gpt(alice)
        other = await new_gpt(alice)
        file_id = (await upload(alice, other, ("a.txt", b"x", "text/plain"))).json()[0]["id"]
        response = await alice.delete(f"/api/v1/gpts/{mine}/knowledge/{file_id}")
        assert_error(response, 404, "file_not_found")
        assert await names(alice, other) == ["a.txt"]


class TestVersions:
    async def test_the_live_version_keeps_files_deleted_from_the_draft(
        self, alice: httpx.AsyncClient, platform: Platform
    ) -> None:
        gpt_id = await new_gpt(alice)
        file_id = (await upload(alice, gpt_id, ("manual.md", MANUAL, "text/markdown"))).json()[0][
            "id"
        ]
        published = await alice.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "link"})
        live = published.json()["live_version"]
        response = await alice.delete(f"/api/v1/gpts/{gpt_id}/knowledge/{file_id}")
        assert response.status_code == 204
        assert await names(alice, gpt_id) == []
        assert await search(platform, gpt_id, 0, "warranty") is None  # no files: no tool
        content = await search(platform, gpt_id, live, "How long is the warranty?")
        assert content is not None and "[1] manual.md" in content and "24 months" in content

        restored = await alice.post(f"/api/v1/gpts/{gpt_id}/versions/{live}/restore")
        assert restored.status_code == 200
        assert await names(alice, gpt_id) == ["manual.md"]

    async def test_deleting_a_file_no_version_uses(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        file_id = (await upload(alice, gpt_id, ("a.txt", b"x", "text/plain"))).json()[0]["id"]
        assert (await alice.delete(f"/api/v1/gpts/{gpt_id}/knowledge/{file_id}")).status_code == 204
        response = await alice.delete(f"/api/v1/gpts/{gpt_id}/knowledge/{file_id}")
        assert_error(response, 404, "file_not_found")

    async def test_duplicate_and_export(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        await upload(
            alice,
            gpt_id,
            ("manual.md", MANUAL, "text/markdown"),
            ("safety.pdf", PDF, "application/pdf"),
        )
        copy = await alice.post(f"/api/v1/gpts/{gpt_id}/duplicate")
        assert await names(alice, copy.json()["id"]) == ["manual.md", "safety.pdf"]
        exported = yaml.safe_load((await alice.get(f"/api/v1/gpts/{gpt_id}/export")).text)
        assert exported["knowledge_files"] == ["manual.md", "safety.pdf"]
        plain = await new_gpt(alice)
        assert "knowledge_files" not in (await alice.get(f"/api/v1/gpts/{plain}/export")).text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_upload_shows_in_the_openapi_document(anonymous: httpx.AsyncClient) -> None:
    document = (await anonymous.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/gpts/{gpt_id}/knowledge"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


async def test_a_conversation_searches_the_version_it_talks_to(
    alice: httpx.AsyncClient, platform: Platform
) -> None:
    gpt_id = await new_gpt(alice)
    await upload(alice, gpt_id, ("notes.txt", b"The door code is 4711.", "text/plain"))
    async with platform.db.session() as session:
        owner = (await session.get(Gpt, gpt_id)).owner_id  # type: ignore[union-attr]
        preview = Conversation(user_id=owner, gpt_id=gpt_id, draft=True)
        chat = Conversation(user_id=owner, gpt_id=gpt_id, draft=False)
        session.add_all([preview, chat])
    async with platform.db.session() as session:
        assert await conversation_knowledge_toolset(platform, session, chat) is None  # unpublished
        toolset = await conversation_knowledge_toolset(platform, session, preview)
    assert toolset is not None and toolset.key == "capability:knowledge"
    outcome = await toolset.run("search_knowledge", {"query": "door code"}, CallContext())
    assert isinstance(outcome, CallResult) and "4711" in outcome.content

    await alice.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "private"})
    await upload(alice, gpt_id, ("notes.txt", b"The door code is 9832.", "text/plain"))
    async with platform.db.session() as session:
        live = await conversation_knowledge_toolset(platform, session, chat)
    assert live is not None
    outcome = await live.run("search_knowledge", {"query": "door code"}, CallContext())
    assert isinstance(outcome, CallResult) and "4711" in outcome.content  # the live version's


class TestEmbeddings:
    async def test_uploads_are_embedded_and_searched_hybrid(
        self, alice: httpx.AsyncClient, platform: Platform
    ) -> None:
        seen: list[dict[str, Any]] = []
        with serve(embeddings_app(seen)) as url:
            platform.settings.embeddings_url = url + "/v1"
            platform.settings.embeddings_model = "concepts-1"
            gpt_id = await new_gpt(alice)
            body = (
                b"# Billing\n\n## Reimbursement\n\n"
                + b"Refunds reach the original card within five working days. " * 8
                + b"\n\n## Couriers\n\n"
                + b"Parcels leave the warehouse by courier every afternoon. " * 8
            )
            response = await upload(alice, gpt_id, ("billing.md", body, "text/markdown"))
            assert response.status_code == 201, response.text
            assert seen and seen[0]["body"]["model"] == "concepts-1"
            async with platform.db.session() as session:
                [record] = await KnowledgeRepository(session).files(gpt_id)
                assert record.embedding_model == "concepts-1"
            toolset = await knowledge_toolset(platform.db, gpt_id, 0, settings=platform.settings)
            assert toolset is not None
            outcome = await toolset.run(
                "search_knowledge", {"query": "get my money back"}, CallContext()
            )
            assert isinstance(outcome, CallResult)
            first = outcome.content.split("[1] ", 1)[1]
            assert first.startswith("billing.md — Billing > Reimbursement")

    async def test_an_endpoint_that_fails_leaves_full_text(
        self, alice: httpx.AsyncClient, platform: Platform
    ) -> None:
        with serve(embeddings_app([])) as url:
            platform.settings.embeddings_url = url + "/v1"
            platform.settings.embeddings_model = "no-such-model"
            gpt_id = await new_gpt(alice)
            response = await upload(alice, gpt_id, ("notes.txt", b"Door code 4711.", "text/plain"))
            assert response.status_code == 201, response.text
            content = await search(platform, gpt_id, 0, "door code")
            assert content is not None and "4711" in content


async def test_a_chat_turn_reads_the_gpts_knowledge_and_cites_the_file(
    alice: httpx.AsyncClient, platform: Platform
) -> None:
    gpt_id = await new_gpt(alice, capabilities={"knowledge": True})
    assert (await upload(alice, gpt_id, ("manual.md", MANUAL, "text/markdown"))).status_code == 201
    conversation_id = await new_conversation(alice, gpt_id, draft=True)
    platform.provider = ScriptedProvider(
        [
            ScriptedReply(
                calls=(ScriptedCall(name="search_knowledge", arguments={"query": "warranty"}),)
            ),
            ScriptedReply(text="24 months (manual.md)."),
        ]
    )

    events = await send(alice, conversation_id, "How long is the warranty?")

    finished = next(e for e in events if e.kind == "tool_call_finished")
    assert finished.data["status"] == "ok", finished.data
    conversation = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    tool_message = next(m for m in conversation["messages"] if m["role"] == "tool")
    assert "24 months" in tool_message["content"] and "manual.md" in tool_message["content"]
    system = [m for m in conversation["messages"] if m["role"] == "system"]
    assert not any("not available" in str(m["content"]) for m in system)
