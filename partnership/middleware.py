"""Cross-cutting response rules."""

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

# Open data with no personal data: anyone, and any cache, may keep a copy.
OPEN_DATA_PREFIXES = ("/openreferral/", "/api/v1/exports/", "/open-data/")


class NoStoreForPersonalDataMiddleware:
    """Any response may carry personal data or a CSRF token (pages, the API, files, CSV
    exports, error pages): none is stored by a browser or proxy, except open data, which
    does not vary by cookie either. An HTML
    page of open data (the browsable API) names the user and holds a CSRF token, so it is
    not stored either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_open_data(request, response):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        elif response.has_header("Vary"):
            # Open data is the same for whoever asks: a session read on the way (a timeout
            # check) must not make caches keep a copy per cookie.
            vary = [v.strip() for v in response["Vary"].split(",") if v.strip().lower() != "cookie"]
            if vary:
                response["Vary"] = ", ".join(vary)
            else:
                del response["Vary"]
        return response


def _is_open_data(request: HttpRequest, response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return request.path.startswith(OPEN_DATA_PREFIXES) and not content_type.startswith("text/html")


class PermissionsPolicyMiddleware:
    """Refuses the browser features in `PERMISSIONS_POLICY` (camera, microphone, location…)
    to every page and anything embedded in it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before host validation and HTTPS redirects, so that
    container and load-balancer probes by IP address reach them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from partnership import health

        if request.path == "/healthz":
            return health.healthz(request)
        if request.path == "/readyz":
            return health.readyz(request)
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuses a request whose declared body is larger than the portal reads with a 413
    (problem+json in the API, a GOV.UK page elsewhere), before anything reads it: a body read
    into memory whole (JSON, a plain form) up to `DATA_UPLOAD_MAX_MEMORY_SIZE`, past which
    Django would refuse it with a bare 400; a form with a file (multipart), or a body of no
    declared type, up to `REQUEST_BODY_MAX_BYTES`. The CSRF check reads a POST's form (file parts included, which
    `DATA_UPLOAD_MAX_MEMORY_SIZE` does not count) in its `process_view`, and DRF's session
    authentication does the same, both before any view could look at the length. Under WSGI
    a body is never read past its Content-Length, so the declared length bounds what is
    received; a chunked body without one reads as empty."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        content_type = request.META.get("CONTENT_TYPE") or ""
        # JSON and plain forms are read into memory whole; a file comes as multipart.
        in_memory = bool(content_type) and not content_type.startswith("multipart/")
        largest = (
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE if in_memory else settings.REQUEST_BODY_MAX_BYTES
        )
        if declared > largest:
            from partnership.views import error_413

            return error_413(request, largest=largest if in_memory else None)
        return self.get_response(request)


class QueryNulByteMiddleware:
    """Refuses with a 400 a request whose query string, or path, holds a NUL byte (`%00`):
    no search or filter means one, and PostgreSQL text cannot hold it, so it would fail
    in the database rather than as a clear answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from partnership.views import error_400

            return error_400(
                request, detail="The address holds a NUL character (%00), which no search takes."
            )
        return self.get_response(request)


logger = logging.getLogger(__name__)
# Set on a request whose failure was an unreachable database or broker.
OUTAGE_MARK = "_partnership_outage"


class ServiceUnavailableMiddleware:
    """An unreachable database or broker answers 503 with `Retry-After`: a problem document
    under /api/, the "Sorry, the service is unavailable" page elsewhere.

    Django turns an exception into a 500 inside each middleware it passes, so this one sees
    a 500 response, not the exception, when the failure was further in (sessions,
    authentication, axes, the view). The exception is noted on the request as it is turned
    into that 500 (`got_request_exception`), and here the 500 becomes the 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        got_request_exception.connect(_note_outage, dispatch_uid="partnership-outage")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exc:
            # Only when the 500 handler itself failed does an exception reach this far.
            from partnership.api.exceptions import is_outage

            if not is_outage(exc):
                raise
            logger.warning("%s unavailable: %s", request.path, type(exc).__name__)
            return service_unavailable(request)
        if response.status_code == 500 and getattr(request, OUTAGE_MARK, False):
            return service_unavailable(request)
        return response


def _note_outage(sender, request: HttpRequest | None = None, **kwargs) -> None:
    from partnership.api.exceptions import is_outage

    if request is not None and is_outage(sys.exc_info()[1]):
        setattr(request, OUTAGE_MARK, True)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 for an outage, rendered without the database (no context processors)."""
    from django.template import loader

    from partnership.api.exceptions import retry_after_seconds, service_unavailable_problem

    if request.path.startswith("/api/"):
        return service_unavailable_problem()
    response = HttpResponse(loader.get_template("errors/503.html").render({}), status=503)
    response["Retry-After"] = retry_after_seconds()
    return response


class DomainErrorMiddleware:
    """A domain refusal (`partnership.errors`) that a page did not put on its form: out of
    the user's reach is a 404, as for anything outside their scope; a state conflict or a
    refused input is a GOV.UK page saying what must be true first, with nothing changed.
    The API maps the same errors to problem+json in `partnership.api.exceptions`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.http import Http404
        from django.template.response import TemplateResponse

        from partnership.errors import DomainError, NotPermitted

        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotPermitted):
            raise Http404("Not permitted") from exception
        response = TemplateResponse(
            request,
            "errors/conflict.html",
            {"reasons": exception.reasons},
            status=exception.status_code,
        )
        return response.render()
