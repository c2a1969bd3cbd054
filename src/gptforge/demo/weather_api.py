"""A small weather API with deterministic data and no network, for the demo GPT."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse

from gptforge.demo import DEMO_SPEC

CITIES: dict[str, str] = {
    "Paris": "France",
    "London": "United Kingdom",
    "Berlin": "Germany",
    "Madrid": "Spain",
    "Rome": "Italy",
    "Lisbon": "Portugal",
    "Amsterdam": "Netherlands",
    "Vienna": "Austria",
    "Prague": "Czechia",
    "Warsaw": "Poland",
    "Stockholm": "Sweden",
    "Oslo": "Norway",
    "Copenhagen": "Denmark",
    "Helsinki": "Finland",
    "Dublin": "Ireland",
    "Athens": "Greece",
    "New York": "United States",
    "Los Angeles": "United States",
    "Chicago": "United States",
    "Toronto": "Canada",
    "Mexico City": "Mexico",
    "Sao Paulo": "Brazil",
    "Buenos Aires": "Argentina",
    "Cairo": "Egypt",
    "Lagos": "Nigeria",
    "Nairobi": "Kenya",
    "Tokyo": "Japan",
    "Seoul": "South Korea",
    "Beijing": "China",
    "Mumbai": "India",
    "Singapore": "Singapore",
    "Sydney": "Australia",
}
CONDITIONS = [
    "sunny",
    "partly cloudy",
    "cloudy",
    "light rain",
    "rain",
    "thunderstorms",
    "snow",
    "fog",
]


def _lookup(city: str) -> str:
    for name in CITIES:
        if name.lower() == city.strip().lower():
            return name
    raise HTTPException(
        status_code=404,
        detail=f"Unknown city {city!r}. Use GET /cities to list the cities this API knows.",
    )


def _numbers(city: str, day: int) -> list[int]:
    digest = hashlib.sha256(f"{city}:{day}".encode()).digest()
    return list(digest)


def _weather(city: str, day: int) -> dict[str, object]:
    n = _numbers(city, day)
    conditions = CONDITIONS[n[0] % len(CONDITIONS)]
    temperature = round(-5 + (n[1] % 350) / 10, 1)
    if conditions == "snow":
        temperature = min(temperature, 1.0)
    return {
        "temperature_c": temperature,
        "conditions": conditions,
        "humidity_percent": 30 + n[2] % 65,
        "wind_kph": n[3] % 45,
        "precipitation_chance_percent": n[4] % 101
        if "rain" in conditions or conditions == "snow"
        else n[4] % 20,
    }


def create_app() -> FastAPI:
    app = FastAPI(
        title="Demo Weather API", version="1.0.0", openapi_url=None, docs_url=None, redoc_url=None
    )

    @app.get("/openapi.yaml", include_in_schema=False)
    def spec() -> FileResponse:
        return FileResponse(DEMO_SPEC, media_type="application/yaml")

    @app.get("/weather/current")
    def current(city: str = Query(...)) -> dict[str, object]:
        name = _lookup(city)
        return {"city": name, "country": CITIES[name], **_weather(name, 0)}

    @app.get("/weather/forecast")
    def forecast(city: str = Query(...), days: int = Query(3, ge=1, le=7)) -> dict[str, object]:
        name = _lookup(city)
        return {
            "city": name,
            "country": CITIES[name],
            "days": [{"day": day, **_weather(name, day)} for day in range(1, days + 1)],
        }

    @app.get("/cities")
    def cities(country: str | None = None) -> dict[str, object]:
        names = [c for c, k in CITIES.items() if country is None or k.lower() == country.lower()]
        return {"cities": [{"city": c, "country": CITIES[c]} for c in names]}

    return app
