"""What every page's layout needs: service name and navigation (the unread count comes from
`notifications.context_processors.unread`)."""

from django.conf import settings
from django.http import HttpRequest

from partnership.navigation import navigation_for


def portal(request: HttpRequest) -> dict:
    context = {
        "service_name": settings.SERVICE_NAME,
        "phase": settings.PHASE,
        "demo_enabled": settings.DEMO_ENABLED,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(user.role, request.path)
    return context
