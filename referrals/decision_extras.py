"""Optional questions other apps ask on a provider's decision pages, without referrals
knowing them (apps further along depend on referrals, never the other way).

An app registers a `DecisionExtra` when it starts: for the decisions it names, the page
shows its form after the decision's own and, when both are valid, saves its answers once the
decision is made, so a refused decision keeps none of them. The extra form checks what its
save will, so a decision made is never reported as failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms

from partnership.models import User
from referrals.models import Referral


@dataclass(frozen=True)
class DecisionExtra:
    """`form(referral, data)` makes the (prefixed) form; `save(form, referral, by, action)`
    keeps its answers; `template` renders it inside the decision's form."""

    actions: frozenset[str]
    form: Callable[[Referral, dict | None], forms.Form]
    save: Callable[[forms.Form, Referral, User, str], None]
    template: str


_registered: list[DecisionExtra] = []


def register(extra: DecisionExtra) -> None:
    if extra not in _registered:
        _registered.append(extra)


@dataclass
class BoundExtra:
    extra: DecisionExtra
    form: forms.Form

    @property
    def template(self) -> str:
        return self.extra.template

    def save(self, referral: Referral, by: User, action: str) -> None:
        self.extra.save(self.form, referral, by, action)


def extras_for(action: str, referral: Referral, data: dict | None) -> list[BoundExtra]:
    """The extra forms a decision's page shows, bound to what was posted."""
    return [
        BoundExtra(extra, extra.form(referral, data))
        for extra in _registered
        if action in extra.actions
    ]
