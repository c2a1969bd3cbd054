"""Where a spec comes from: pasted text, a local file, or an http(s) URL.

URLs are fetched through the egress client only, so "Import from URL" obeys the
same SSRF guard, deadline and size cap as actions do, and a compressed document
may inflate at most :data:`IMPORT_INFLATION_RATIO` times. What is accepted is
then bounded again while parsing (see :mod:`gptforge.openapi.parsing`).
"""

from __future__ import annotations

from pathlib import Path

from gptforge.egress import EgressLimits, EgressPolicy, fetch
from gptforge.errors import EgressError, SpecError, SpecLimitError
from gptforge.openapi.bundle import bundle_local_refs
from gptforge.openapi.parsing import parse_document
from gptforge.openapi.spec import LoadLimits, Spec, build_spec, parse_spec

_ACCEPT = "application/json, application/yaml, application/x-yaml, text/yaml, text/plain, */*"
IMPORT_INFLATION_RATIO = 40.0
"""A gzip'd spec inflates 12-16 times (GitHub, Microsoft Graph); a bomb, 1,000 times."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def load_spec_file(
    path: str | Path, *, limits: LoadLimits | None = None, allow_local_refs: bool = False
) -> Spec:
    """Load a spec from a local JSON or YAML file.

    ``allow_local_refs`` bundles references to files in the spec's folder (CLI opt-in).
    """
    limits = limits or LoadLimits()
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > limits.parse.max_bytes:
            raise SpecLimitError(
                f"{path} is {size:,} bytes, over the {limits.parse.max_bytes:,}-byte limit. "
                "Split the API into several actions or raise the limit.",
                source=str(path),
            )
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise SpecError(f"No such file: {path}. Check the path.", source=str(path)) from exc
    except IsADirectoryError as exc:
        raise SpecError(f"{path} is a directory; give the spec file.", source=str(path)) from exc
    except OSError as exc:
        raise SpecError(f"Cannot read {path}: {exc.strerror}.", source=str(path)) from exc
    if not allow_local_refs:
        return parse_spec(data, source=str(path), limits=limits)
    document = parse_document(data, source=str(path), limits=limits.parse)
    document = bundle_local_refs(document, file, limits=limits.parse)
    return build_spec(document, source=str(path), limits=limits, document_bytes=len(data))


async def load_spec_url(
    url: str,
    *,
    policy: EgressPolicy | None = None,
    egress_limits: EgressLimits | None = None,
    limits: LoadLimits | None = None,
) -> Spec:
    """Fetch a spec over http(s) under the egress policy; relative servers resolve against it."""
    limits = limits or LoadLimits()
    egress_limits = egress_limits or EgressLimits(
        max_response_bytes=limits.parse.max_bytes + 1, max_inflation_ratio=IMPORT_INFLATION_RATIO
    )
    try:
        response = await fetch(
            url, policy=policy, limits=egress_limits, headers={"Accept": _ACCEPT}
        )
    except EgressError as exc:
        raise SpecError(f"Could not import {url}: {exc.message}", source=url) from exc
    if response.status_code != 200:
        raise SpecError(
            f"Could not import {url}: the server answered HTTP {response.status_code}. "
            "Check that the URL serves the raw JSON or YAML schema.",
            source=url,
        )
    if response.truncated:
        raise SpecError(
            f"Could not import {url}: the document is larger than "
            f"{egress_limits.max_response_bytes:,} bytes.",
            source=url,
        )
    return parse_spec(response.content, source=url, base_url=str(response.url), limits=limits)


async def load_spec(
    source: str,
    *,
    policy: EgressPolicy | None = None,
    limits: LoadLimits | None = None,
    allow_local_refs: bool = False,
) -> Spec:
    """Load a spec from a URL or a file path."""
    if is_url(source):
        return await load_spec_url(source, policy=policy, limits=limits)
    if "://" in source.split("\n", 1)[0][:20]:
        raise SpecError(
            f"{source!r}: only http(s) URLs and local files can be imported.", source=source
        )
    return load_spec_file(source, limits=limits, allow_local_refs=allow_local_refs)
