"""Cassette playback for pytest-vcr: the suite's YAML cassettes and its header scrubbing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

Hook = Callable[[dict[str, Any]], dict[str, Any]]


class YamlCassettes:
    """Reads the cassettes as recorded (bodies are YAML block scalars); playback only."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        return str(yaml.dump(cassette, default_flow_style=False, allow_unicode=True))

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.load(text, Loader=yaml.Loader)
        return loaded


def _json(body: Any) -> Any:
    return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)


def _same_json_body(first: Any, second: Any) -> bool:
    if first.body is None or second.body is None:
        return first.body is second.body
    try:
        return bool(_json(first.body) == _json(second.body))
    except ValueError:
        return bool(first.body == second.body)


@pytest.fixture(scope="module", autouse=True)
def fixture_vcr(vcr: Any) -> Any:
    vcr.register_serializer("yaml", YamlCassettes)
    vcr.register_matcher("json_body", _same_json_body)
    return vcr


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "cassette(name): play this cassette instead")


@pytest.fixture
def vcr_cassette_name(request: Any) -> str:
    """pytest-vcr's name (``Class.test`` or ``test``) unless ``@pytest.mark.cassette`` names
    another test's cassette, as some of the suite's tests do."""
    marker = request.node.get_closest_marker("cassette")
    if marker is not None:
        return str(marker.args[0])
    if request.cls is not None:
        return f"{request.cls.__name__}.{request.node.name}"
    return str(request.node.name)


def scrub_response_headers(names: Any) -> Hook:
    lowered = {name.lower() for name in names}

    def scrub(response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers")
        if isinstance(headers, dict):
            for key in [key for key in headers if key.lower() in lowered]:
                del headers[key]
        return response

    return scrub


def scrub_response_headers_overwrite(values: dict[str, str]) -> Hook:
    def overwrite(response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers")
        if isinstance(headers, dict):
            present = {key.lower(): key for key in headers}
            for name, value in values.items():
                headers[present.get(name.lower(), name)] = value
        return response

    return overwrite
