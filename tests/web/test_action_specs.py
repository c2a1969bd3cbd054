"""A stored action's spec is parsed once per process for the same content; an edit of
its schema or server URL (in any process) is a different spec at once."""

from __future__ import annotations

from gptforge.store import ActionRecord
from gptforge.web.action_service import spec_of
from tests.web.apis import ECHO_SPEC


def _record(**fields: object) -> ActionRecord:
    return ActionRecord(gpt_id="g", schema_text=ECHO_SPEC, **fields)


def test_the_same_schema_is_parsed_once_and_an_edit_is_seen_at_once() -> None:
    first = spec_of(_record(server_url="http://127.0.0.1:1"))
    assert first.ok
    assert spec_of(_record(server_url="http://127.0.0.1:1")) is first  # another row, same text

    moved = spec_of(_record(server_url="http://127.0.0.1:2"))
    assert moved is not first and moved.server is not None
    assert moved.server.url == "http://127.0.0.1:2"

    edited = ECHO_SPEC.replace("Echo API", "Edited API")
    assert edited != ECHO_SPEC
    renamed = spec_of(ActionRecord(gpt_id="g", schema_text=edited, server_url="http://127.0.0.1:1"))
    assert renamed.title == "Edited API" and first.title != "Edited API"
