"""The domain's refusals, one hierarchy for every app.

Services raise these (and Django's `ValidationError` for invalid fields); the API turns them
into problem+json in one place (`partnership.api.exceptions`) and pages into a GOV.UK error
summary or a 404 (`partnership.forms.apply_domain_error`). Nothing else catches them by name.

| error            | means                                               | API | page                |
|------------------|-----------------------------------------------------|-----|---------------------|
| `NotPermitted`   | the user may see the object but not take the action | 403 | 404 (out of scope)  |
| `StateConflict`  | the action is not possible in the object's state,   | 409 | error summary       |
|                  | or would duplicate what exists                      |     |                     |
| `InvalidInput`   | what was sent is refused as a whole (a document)    | 400 | error on its field  |
| `KeyReused`      | an idempotency key came back with another request   | 422 | (API only)          |

An object the user may not see at all never reaches a service: its scoped selector answers
404 first (DESIGN, Access rules).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request. `message` is written for the user."""

    status_code = 400
    code = "invalid-input"

    def __init__(self, message: str = "", *, reasons: list[str] | None = None):
        self.reasons = list(reasons) if reasons else ([message] if message else [])
        self.message = message or "; ".join(self.reasons)
        super().__init__(self.message)


class NotPermitted(DomainError):
    """The user's role or relationship to the object does not allow the action."""

    status_code = 403
    code = "permission-denied"


class StateConflict(DomainError):
    """The action is not possible in the object's current state (an invalid transition, a
    closed assessment, a duplicate); `reasons` says what must be true first."""

    status_code = 409
    code = "conflict"


class InvalidInput(DomainError):
    """What was sent is refused as a whole; `field` names the form field it belongs to."""

    status_code = 400
    code = "invalid-input"

    def __init__(self, message: str = "", *, field: str = "non_field_errors", **kwargs):
        self.field = field
        super().__init__(message, **kwargs)


class KeyReused(DomainError):
    """An idempotency key sent again with a request other than the one it first came with:
    answering with the first request's result would pass it off as this one's."""

    status_code = 422
    code = "idempotency-key-reused"
