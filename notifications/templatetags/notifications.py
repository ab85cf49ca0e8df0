"""Notifications on any page: the home pages' latest few."""

from django import template

from notifications.selectors import notification_list_for

register = template.Library()
RECENT = 5


@register.simple_tag
def recent_notifications(user) -> list:
    """The user's newest notifications, for the home page's panel."""
    return list(notification_list_for(user=user)[:RECENT])
