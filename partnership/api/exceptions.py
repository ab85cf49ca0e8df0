"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from partnership.errors import DomainError, InvalidInput, KeyReused, NotPermitted, StateConflict

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Each problem's `type` is a page that explains it (`partnership.api.problems`).
PROBLEM_TYPE_BASE = "/api/v1/problems/"


class Conflict(exceptions.APIException):
    """An invalid state transition or a duplicate."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    """`If-Match` names a version of the resource that is no longer current."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The resource has changed since you read it: read it again, then repeat the change."
    )
    default_code = "precondition_failed"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    """The database or the broker cannot be reached: the client should try again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is unavailable for a moment. Try again later."
    default_code = "service_unavailable"


def _outage_exception_types() -> tuple[type[BaseException], ...]:
    """What "a dependency cannot be reached" raises: the database as Django and psycopg2
    word it, the broker and Redis as kombu and redis-py do, and a refused connection."""
    import psycopg2
    from kombu.exceptions import OperationalError as BrokerOperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (
        OperationalError,
        InterfaceError,
        psycopg2.OperationalError,
        psycopg2.InterfaceError,
        BrokerOperationalError,
        RedisConnectionError,
        RedisTimeoutError,
        ConnectionRefusedError,
    )


OUTAGE_EXCEPTIONS = _outage_exception_types()


def is_outage(exc: BaseException | None) -> bool:
    """Whether `exc`, or what it was raised from, says the database or broker is out of
    reach. A programming error (any other database error: integrity, SQL, data) never is,
    even when raised while handling an outage."""
    if exc is None or (
        isinstance(exc, DatabaseError) and not isinstance(exc, (OperationalError, InterfaceError))
    ):
        return False
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OUTAGE_EXCEPTIONS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def retry_after_seconds() -> str:
    """The `Retry-After` value of a 503, from `SERVICE_UNAVAILABLE_RETRY_AFTER`."""
    return str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)


def problem(
    status_code: int,
    detail: str,
    *,
    code: str | None = None,
    errors: dict | None = None,
    codes: dict | None = None,
) -> dict:
    """The body of a problem response: for invalid input, `errors` holds the messages and
    `codes` the codes, each by field name."""
    title = HTTPStatus(status_code).phrase
    body = {
        "type": PROBLEM_TYPE_BASE + (code or title.lower().replace(" ", "-")),
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if codes:
        body["codes"] = codes
    return body


def _flatten(detail) -> list[str] | dict:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def as_api_exception(exc: BaseException) -> BaseException:
    """The domain's refusals (`partnership.errors`) and Django's as DRF's exceptions: the one
    place that says which status each gets."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, (PermissionDenied, NotPermitted)):
        return exceptions.PermissionDenied(getattr(exc, "message", None) or None)
    if isinstance(exc, StateConflict):
        return Conflict(exc.message)
    if isinstance(exc, KeyReused):
        return Unprocessable(exc.message, code="idempotency_key_reused")
    if isinstance(exc, InvalidInput):
        return exceptions.ValidationError({exc.field: [exc.message]})
    if isinstance(exc, DomainError):
        return exceptions.ValidationError({"non_field_errors": [exc.message]})
    if isinstance(exc, DjangoValidationError) and hasattr(exc, "by_field"):
        # What a referral lacks before sending, by field and with a code for each.
        return exceptions.ValidationError(
            {
                field: [exceptions.ErrorDetail(message, code=code) for code, message in missing]
                for field, missing in exc.by_field.items()
            }
        )
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "message_dict") else {"non_field_errors": exc.messages}
        )
    return exc


def problem_exception_handler(exc, context) -> Response | None:
    """DRF's handler, reshaped: every API error is a problem document. An unreachable
    database or broker is a 503 with `Retry-After`, wherever in the view it was raised
    (authentication, permissions, the view itself)."""
    if is_outage(exc):
        exc = ServiceUnavailable()
    exc = as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        codes = exc.get_codes()
        codes = codes if isinstance(codes, dict) else {"non_field_errors": codes}
        body = problem(
            response.status_code,
            "The request has invalid input.",
            code="invalid-input",
            errors=_flatten(errors),
            codes=_flatten(codes),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        code = code if isinstance(code, str) else None
        body = problem(response.status_code, str(detail), code=code and code.replace("_", "-"))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = retry_after_seconds()
    return response


def problem_response(status_code: int, detail: str) -> JsonResponse:
    """A problem document outside DRF (URL not found, server error under /api/)."""
    return JsonResponse(
        problem(status_code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )


def service_unavailable_problem() -> JsonResponse:
    """The 503 problem document with `Retry-After`, for outages met outside DRF's views."""
    response = problem_response(503, ServiceUnavailable.default_detail)
    response["Retry-After"] = retry_after_seconds()
    return response
