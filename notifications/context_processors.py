"""What every page's layout needs from notifications: the signed-in user's unread count."""

from django.http import HttpRequest

from notifications.selectors import notification_unread_count


def unread(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"unread_notifications": notification_unread_count(user=user)}
    return {}
