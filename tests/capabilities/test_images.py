"""generate_image against a loopback server speaking the OpenAI images API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from gptforge.capabilities import ImageConfig, ImageToolset
from gptforge.egress import EgressLimits, EgressPolicy
from gptforge.toolsets import CallContext, CallResult
from tests.capabilities.sites import IMAGES_KEY, Recorder, images_app, png
from tests.servers import serve


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def images_url(recorder: Recorder) -> Iterator[str]:
    with serve(images_app(recorder)) as url:
        yield f"{url}/v1"


async def generate(config: ImageConfig, **arguments: object) -> CallResult:
    toolset = ImageToolset(config=config, policy=EgressPolicy(), limits=EgressLimits())
    arguments.setdefault("prompt", "A cheerful otter floating in kelp")
    result = await toolset.run("generate_image", arguments, CallContext())
    assert isinstance(result, CallResult)
    return result


async def test_an_image_comes_back_as_a_file_and_the_model_reads_a_line(
    images_url: str, recorder: Recorder
) -> None:
    config = ImageConfig(base_url=images_url, api_key=IMAGES_KEY, model="dall-e-3")
    result = await generate(config, size="1792x1024")

    assert result.ok and result.http_status == 200
    [file] = result.files
    assert file.name == "a-cheerful-otter-floating-in-kelp.png"
    assert file.media_type == "image/png" and file.data == png()
    assert "was generated and is shown to the user" in result.content
    assert "revised the prompt to: A cheerful otter floating in kelp, watercolour" in result.content
    assert "iVBOR" not in result.content  # no image data for the model
    [request] = recorder.requests
    assert request["path"] == "/v1/images/generations"
    assert request["headers"]["authorization"] == f"Bearer {IMAGES_KEY}"
    assert json.loads(request["body"]) == {
        "model": "dall-e-3",
        "prompt": "A cheerful otter floating in kelp",
        "n": 1,
        "size": "1792x1024",
        "response_format": "b64_json",
    }


async def test_not_configured_says_so_to_the_model_and_the_operator() -> None:
    result = await generate(ImageConfig())
    assert result.status == "blocked" and not result.files
    assert "Image generation is not available on this server" in result.content
    assert result.message is not None and "GPTFORGE_IMAGES_API_KEY" in result.message


async def test_a_refused_key_is_not_echoed(images_url: str) -> None:
    result = await generate(ImageConfig(base_url=images_url, api_key="sk-wrong-key-1234"))
    assert result.status == "http_error" and result.http_status == 401
    assert "not available" in result.content
    assert result.message is not None and "refused the API key" in result.message
    assert "sk-wrong-key-1234" not in result.content + result.message + json.dumps(result.record)


async def test_a_refused_prompt_tells_the_model_why(images_url: str) -> None:
    result = await generate(
        ImageConfig(base_url=images_url, api_key=IMAGES_KEY), prompt="please refuse this"
    )
    assert result.status == "http_error" and not result.files
    assert "rejected by the safety system" in result.content


async def test_data_that_is_not_an_image_is_refused(recorder: Recorder) -> None:
    with serve(images_app(recorder, image=b"<svg onload=alert(1)>")) as url:
        result = await generate(ImageConfig(base_url=f"{url}/v1", api_key=IMAGES_KEY))
    assert result.status == "failed" and not result.files
    assert result.message is not None and "b64_json" in result.message


async def test_sizes_outside_the_list_are_refused_before_any_request(
    images_url: str, recorder: Recorder
) -> None:
    result = await generate(ImageConfig(base_url=images_url, api_key=IMAGES_KEY), size="5x5")
    assert result.status == "invalid_arguments" and "1024x1024" in result.content
    assert recorder.requests == []
