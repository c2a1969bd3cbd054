"""Opt-in bundling of references to other local files (CLI only, never the server).

With ``--allow-local-refs``, ``$ref: common.yaml#/components/schemas/Pet`` is read
from a file next to the spec and copied into the document under
``x-gptforge-bundled``, and the reference is rewritten to point there. Only
relative paths inside the spec's own folder are followed: no URLs, no
``file:`` URLs, no absolute paths, no ``..`` escapes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from gptforge.errors import SpecError
from gptforge.openapi.parsing import ParseLimits, parse_document
from gptforge.openapi.refs import RefResolver, is_local_ref

BUNDLE_KEY = "x-gptforge-bundled"
MAX_BUNDLED_FILES = 200


class _Bundler:
    def __init__(self, root: dict[str, Any], root_file: Path, limits: ParseLimits) -> None:
        self.root = root
        self.root_dir = root_file.resolve().parent
        self.limits = limits
        self.documents: dict[Path, dict[str, Any]] = {root_file.resolve(): root}
        self.slots: dict[tuple[Path, str], str] = {}
        self.bundled: dict[str, Any] = {}

    def _document(self, path: Path) -> dict[str, Any]:
        if path not in self.documents:
            if len(self.documents) > MAX_BUNDLED_FILES:
                raise SpecError(f"More than {MAX_BUNDLED_FILES} referenced files; bundle the spec.")
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise SpecError(f"Cannot read referenced file {path}: {exc.strerror}.") from exc
            self.documents[path] = parse_document(data, source=str(path), limits=self.limits)
        return self.documents[path]

    def _target_file(self, ref: str, current: Path) -> Path:
        file_part = unquote(ref.split("#", 1)[0])
        if "://" in file_part or file_part.startswith(("/", "file:", "\\")):
            raise SpecError(
                f"Reference {ref!r} is not a relative path; only files next to the spec can "
                "be bundled."
            )
        target = (current.parent / file_part).resolve()
        if not target.is_relative_to(self.root_dir):
            raise SpecError(f"Reference {ref!r} leaves the spec's folder; it is not followed.")
        return target

    def slot(self, file: Path, fragment: str) -> str:
        key = (file, fragment)
        name = self.slots.get(key)
        if name is not None:
            return name
        name = f"b{len(self.slots)}"
        self.slots[key] = name
        document = self._document(file)
        target = RefResolver(document).lookup(fragment or "#")
        self.bundled[name] = {}  # reserve before rewriting: the target may refer to itself
        self.bundled[name] = self.rewrite(copy.deepcopy(target), file)
        return name

    def rewrite(self, node: Any, current: Path) -> Any:
        """``node`` with every reference made local to the root document."""
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str) and not (is_local_ref(ref) and current in self._roots()):
                    if is_local_ref(ref):
                        item["$ref"] = f"#/{BUNDLE_KEY}/{self.slot(current, ref)}"
                    else:
                        file = self._target_file(ref, current)
                        fragment = "#" + ref.split("#", 1)[1] if "#" in ref else "#"
                        if file in self._roots() and fragment != "#":
                            item["$ref"] = fragment
                        else:
                            item["$ref"] = f"#/{BUNDLE_KEY}/{self.slot(file, fragment)}"
                stack.extend(v for k, v in item.items() if k != "$ref")
            elif isinstance(item, list):
                stack.extend(item)
        return node

    def _roots(self) -> set[Path]:
        return {next(iter(self.documents))}


def bundle_local_refs(
    document: dict[str, Any], spec_file: Path, *, limits: ParseLimits | None = None
) -> dict[str, Any]:
    """``document`` with references to files beside ``spec_file`` copied in."""
    bundler = _Bundler(document, spec_file, limits or ParseLimits())
    root_file = spec_file.resolve()
    bundler.rewrite(document, root_file)
    if bundler.bundled:
        document[BUNDLE_KEY] = bundler.bundled
    return document
