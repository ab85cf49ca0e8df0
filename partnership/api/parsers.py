"""The API's JSON parser: a body is data of a plausible shape before any field reads it."""

from __future__ import annotations

import codecs
import json
import math

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _finite(text: str) -> float:
    # 1e999 reads as infinity, which no column holds and which overflows an int().
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def depth(value) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(parsers.JSONParser):
    """JSON that refuses, with a 400, what DRF's parser would pass on to fail later: numbers
    too large to be finite (1e999), NaN and Infinity, and lists or objects nested deeper
    than `API_JSON_MAX_DEPTH` (no body of the API nests more than a few levels)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
        except RecursionError as exc:
            raise ParseError(self._too_deep()) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if depth(data) > settings.API_JSON_MAX_DEPTH:
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return (
            "JSON parse error - lists and objects nest more than "
            f"{settings.API_JSON_MAX_DEPTH} levels deep"
        )
