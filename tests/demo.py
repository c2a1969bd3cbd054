"""The bundled demo weather API on a free port, with a copy of the demo GPT pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gptforge.demo import DEMO_GPT, DEMO_SPEC
from gptforge.demo.weather_api import create_app
from gptforge.settings import DEMO_API_PORT
from tests.servers import serve


@dataclass(frozen=True)
class DemoApi:
    url: str
    gpt_file: Path

    @property
    def port(self) -> int:
        return int(httpx.URL(self.url).port or 0)


@contextmanager
def demo_api(folder: Path) -> Iterator[DemoApi]:
    """Serve the demo API and write ``gpt.yaml`` + its spec into ``folder``, on that port.

    Set ``GPTFORGE_DEMO_API_PORT`` to :attr:`DemoApi.port` so the demo allowance follows.
    """
    with serve(create_app()) as url:
        spec = DEMO_SPEC.read_text().replace(f"http://127.0.0.1:{DEMO_API_PORT}", url)
        assert url in spec
        (folder / DEMO_SPEC.name).write_text(spec)
        (folder / "gpt.yaml").write_text(DEMO_GPT.read_text())
        yield DemoApi(url=url, gpt_file=folder / "gpt.yaml")
