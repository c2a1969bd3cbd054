"""Loading a spec leaves the process's garbage collector alone unless the caller asks."""

from __future__ import annotations

import gc
import json

from gptforge.openapi import collector_paused, parse_spec
from tests.openapi.specs import PETSTORE


def test_loading_never_turns_the_collector_off_for_the_process() -> None:
    seen: list[bool] = []
    original = gc.disable

    def spy() -> None:
        seen.append(True)
        original()

    gc.disable = spy  # type: ignore[assignment]
    try:
        spec = parse_spec(json.dumps(PETSTORE))
    finally:
        gc.disable = original  # type: ignore[assignment]
    assert spec.tools and seen == [] and gc.isenabled()


def test_a_caller_that_owns_the_process_may_pause_it() -> None:
    with collector_paused():
        assert not gc.isenabled()
        parse_spec(json.dumps(PETSTORE))
    assert gc.isenabled()
