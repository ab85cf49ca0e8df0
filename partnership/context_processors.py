"""What every page's layout needs: service name, navigation and the unread count."""

from django.conf import settings
from django.http import HttpRequest

from partnership.navigation import navigation_for
from partnership.selectors import notification_unread_count


def portal(request: HttpRequest) -> dict:
    context = {
        "service_name": settings.SERVICE_NAME,
        "phase": settings.PHASE,
        "demo_enabled": settings.DEMO_ENABLED,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(user.role, request.path)
        context["unread_notifications"] = notification_unread_count(user=user)
    return context
