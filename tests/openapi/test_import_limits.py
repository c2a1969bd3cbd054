"""Importing a spec from a URL: compression bombs and memory-hungry texts are refused."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gptforge.egress import EgressLimits, EgressPolicy, fetch
from gptforge.errors import EgressLimitError, SpecError
from gptforge.openapi import LoadLimits, ParseLimits, load_spec_url
from tests.openapi.specs import PETSTORE
from tests.servers import serve

BOMB = gzip.compress(b"[" + b"{}," * 33_000_000 + b"{}]", 9)
"""About 100 KB on the wire, 99 MB inflated: a third of a million dicts per MB."""
SPEC = gzip.compress(json.dumps(PETSTORE, indent=2).encode())


async def bomb(request: Request) -> Response:
    return Response(BOMB, headers={"content-encoding": "gzip"}, media_type="application/json")


async def spec(request: Request) -> Response:
    return Response(SPEC, headers={"content-encoding": "gzip"}, media_type="application/json")


async def dense(request: Request) -> Response:
    # Plain (not compressed) JSON whose values would take far more memory than its text.
    return Response(b"[" + b"{}," * 3_000_000 + b"{}]", media_type="application/json")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = Starlette(routes=[Route("/bomb", bomb), Route("/spec", spec), Route("/dense", dense)])
    with serve(app) as url:
        yield url


def allow(url: str) -> EgressPolicy:
    return EgressPolicy.from_entries([httpx.URL(url).netloc.decode()])


async def test_a_gzip_bomb_under_the_size_cap_is_refused_by_its_inflation_ratio(
    server: str,
) -> None:
    assert len(BOMB) < 200_000
    with pytest.raises(SpecError, match="inflates to more than 40 times"):
        await load_spec_url(server + "/bomb", policy=allow(server))


async def test_an_ordinary_gzip_spec_is_imported(server: str) -> None:
    spec = await load_spec_url(server + "/spec", policy=allow(server))
    assert [t.name for t in spec.tools][:2] == ["listPets", "createPet"]


async def test_the_ratio_is_an_egress_limit_that_is_off_unless_asked(server: str) -> None:
    cap = EgressLimits(max_response_bytes=2_000_000)
    response = await fetch(server + "/bomb", policy=allow(server), limits=cap)
    assert response.truncated
    with pytest.raises(EgressLimitError, match="compression bomb"):
        await fetch(
            server + "/bomb",
            policy=allow(server),
            limits=EgressLimits(max_inflation_ratio=10, inflation_grace_bytes=100_000),
        )


async def test_a_dense_document_is_refused_before_it_is_parsed(server: str) -> None:
    limits = LoadLimits(parse=ParseLimits(max_json_values=1_000_000))
    with pytest.raises(SpecError, match="values, over the"):
        await load_spec_url(server + "/dense", policy=allow(server), limits=limits)
