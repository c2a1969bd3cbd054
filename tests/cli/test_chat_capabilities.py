"""`gptforge chat` with capabilities from gpt.yaml, configured by environment variables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gptforge.cli import app
from gptforge.cli.chat import saved_path
from tests.capabilities.sites import IMAGES_KEY, Recorder, images_app, png
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve


@pytest.fixture
def painter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    model = fake_openai_app([("generate_image", {"prompt": "Otter portrait"})])
    with serve(model) as model_url, serve(images_app(Recorder())) as images_url:
        monkeypatch.setenv("GPTFORGE_OPENAI_BASE_URL", f"{model_url}/v1")
        monkeypatch.setenv("GPTFORGE_IMAGES_BASE_URL", f"{images_url}/v1")
        monkeypatch.setenv("GPTFORGE_IMAGES_API_KEY", IMAGES_KEY)
        gpt = tmp_path / "gpt.yaml"
        gpt.write_text("name: Painter\ncapabilities: {image_generation: true}\n")
        yield gpt


def test_generated_images_are_saved_next_to_the_user(painter: Path) -> None:
    result = CliRunner().invoke(app, ["chat", str(painter), "-m", "Paint an otter"])
    assert result.exit_code == 0, result.output
    saved = Path("gptforge-files/otter-portrait.png")
    assert saved.read_bytes() == png()
    assert "saved gptforge-files/otter-portrait.png" in result.output


def test_saved_files_never_leave_their_folder_or_overwrite(tmp_path: Path) -> None:
    (tmp_path / "chart.png").write_bytes(b"old")
    assert saved_path(tmp_path, "../../etc/chart.png") == tmp_path / "chart-2.png"
    assert saved_path(tmp_path, "..\\..\\x.txt") == tmp_path / "x.txt"
    assert saved_path(tmp_path, ".bashrc") == tmp_path / "bashrc"
