"""Panels on the case page, contributed by each feature without editing the case view.

A feature registers a template and a function that loads what the template needs for one
case; the case page renders every registered panel in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from advocate.models import Case


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    order: int
    load: Callable[[Case], dict[str, Any]]


_PANELS: dict[str, Panel] = {}


def register(name: str, template: str, order: int, load: Callable[[Case], dict[str, Any]]) -> None:
    _PANELS[name] = Panel(name, template, order, load)


def for_case(case: Case) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) for each panel, in order; a panel may opt out with an empty dict."""
    rendered = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.load(case)
        if context:
            rendered.append((panel.template, context))
    return rendered
