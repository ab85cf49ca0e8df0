"""Every URL pattern of the project, read from the resolver (includes and routers too)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# `(?P<name>...)` in a regular expression, `<converter:name>` or `<name>` in a route.
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Pattern:
    """One URL pattern: its full name (with namespaces), its path as the table writes it,
    the names of its arguments, and its view."""

    name: str | None
    path: str
    kwargs: tuple[str, ...]
    callback: object
    is_format_variant: bool

    @property
    def key(self) -> str:
        return self.name or self.path


def display_path(raw: str) -> str:
    """A pattern as people read it: `/api/v1/referrals/{public_id}/risk/`."""
    text = _REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", raw)
    text = _ROUTE_PARAM.sub(lambda m: "{" + m.group(1) + "}", text)
    text = text.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + text


def _walk(resolver: URLResolver, prefix: str, namespace: str):
    for entry in resolver.url_patterns:
        raw = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, raw, inner)
        elif isinstance(entry, URLPattern):
            name = None
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            without_groups = _REGEX_GROUP.sub("", raw)
            groups = [*_REGEX_GROUP.findall(raw), *_ROUTE_PARAM.findall(without_groups)]
            yield Pattern(
                name=name,
                path=display_path(raw),
                kwargs=tuple(groups),
                callback=entry.callback,
                is_format_variant="format" in groups,
            )


def all_patterns() -> list[Pattern]:
    """Every pattern the project's URLconf resolves, in order."""
    return list(_walk(get_resolver(), "", ""))


def same_view(a, b) -> bool:
    """Whether two callbacks are the same view (DRF builds one function per route)."""
    if a is b:
        return True
    cls_a, cls_b = getattr(a, "cls", None), getattr(b, "cls", None)
    if cls_a is None or cls_a is not cls_b:
        return False
    return getattr(a, "actions", None) == getattr(b, "actions", None)
