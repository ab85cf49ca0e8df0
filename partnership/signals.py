"""What the project package announces to the apps above it (docs/architecture.md: a lower
app that needs work done in a higher one sends a declared signal)."""

from django.dispatch import Signal

# Someone asked for a password reset for `user`, an account that may sign in; the
# notifications app emails them a link (notifications.receivers).
password_reset_requested = Signal()

# The password of `user` changed (`how` is "changed" from their account or "reset" from an
# emailed link); the notifications app tells them by email, with what to do if it was not them.
password_changed = Signal()
