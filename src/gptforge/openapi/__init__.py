"""OpenAPI documents to model tools: load, validate, resolve ``$ref`` s, describe operations.

Usable on its own, without the server::

    from gptforge.openapi import load_spec_file
    spec = load_spec_file("weather.openapi.yaml")
    for tool in spec.tools:
        print(tool.definition())
"""

from gptforge.openapi.diagnostics import Diagnostic
from gptforge.openapi.operations import Operation, Parameter, RequestBody, Server
from gptforge.openapi.parsing import ParseLimits, parse_document
from gptforge.openapi.sources import is_url, load_spec, load_spec_file, load_spec_url
from gptforge.openapi.spec import LoadLimits, Spec, build_spec, collector_paused, parse_spec
from gptforge.openapi.tools import ArgumentBinding, Tool

__all__ = [
    "ArgumentBinding",
    "Diagnostic",
    "LoadLimits",
    "Operation",
    "Parameter",
    "ParseLimits",
    "RequestBody",
    "Server",
    "Spec",
    "Tool",
    "build_spec",
    "collector_paused",
    "is_url",
    "load_spec",
    "load_spec_file",
    "load_spec_url",
    "parse_document",
    "parse_spec",
]
