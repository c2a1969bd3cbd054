"""The bundled demo: a deterministic weather API and a GPT that uses it."""

from pathlib import Path

DEMO_DIR = Path(__file__).parent
DEMO_GPT = DEMO_DIR / "gpt.yaml"
DEMO_SPEC = DEMO_DIR / "weather.openapi.yaml"
