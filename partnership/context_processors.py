"""What every page's layout needs: service name and navigation (the unread count comes from
`notifications.context_processors.unread`)."""

from django.conf import settings
from django.http import HttpRequest

from partnership import auth
from partnership.navigation import account_navigation_for, navigation_for


def portal(request: HttpRequest) -> dict:
    context = {
        "service_name": settings.SERVICE_NAME,
        "phase": settings.PHASE,
        "demo_enabled": settings.DEMO_ENABLED,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(user.role, request.path)
        context["account_navigation"] = account_navigation_for(user.role, request.path)
    return context


def session_timeout(request: HttpRequest) -> dict:
    """For a signed-in page: when its session ends (idle, or at the absolute limit since
    sign-in) and at what time, so that the page can warn SESSION_TIMEOUT_WARNING_SECONDS
    before (templates/auth/session_timeout.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or auth.two_factor_pending(request):
        return {}
    end = auth.session_end(request)
    if end is None:
        return {}
    return {
        "session_timeout": {
            **auth.session_end_answer(end),
            "warning_seconds": settings.SESSION_TIMEOUT_WARNING_SECONDS,
            "absolute_length": auth.absolute_limit_text(),
        }
    }
