"""What every API response shares outside DRF's views."""

from django.urls import Resolver404, resolve

from partnership.api.exceptions import problem_response
from partnership.api.throttling import rate_limit_headers

API_PREFIX = "/api/"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiMiddleware:
    """Under `/api/`: a write to an address without its trailing slash is refused with a
    problem (a redirect would turn it into a `GET` and lose its body); every response says
    where its client stands against the tightest rate limit (`RateLimit-*`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = _missing_slash(request)
            if refused is not None:
                return refused
        response = self.get_response(request)
        window = getattr(request, "rate_limit_window", None)
        if window is not None:
            for name, value in rate_limit_headers(window).items():
                response[name] = value
        return response


def _missing_slash(request):
    if request.method in SAFE_METHODS or request.path.endswith("/"):
        return None
    try:
        resolve(request.path_info + "/")
    except Resolver404:
        return None
    return problem_response(
        404, f"Nothing answers at this address: send the request to {request.path}/ instead."
    )
