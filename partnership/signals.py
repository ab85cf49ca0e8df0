"""What the project package announces to the apps above it (docs/architecture.md: a lower
app that needs work done in a higher one sends a declared signal)."""

from django.dispatch import Signal

# Someone asked for a password reset for `user`, an account that may sign in; the
# notifications app emails them a link (notifications.receivers).
password_reset_requested = Signal()
