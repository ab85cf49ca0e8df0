from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from notifications import services
        from partnership import auth
        from partnership.signals import password_changed, password_reset_requested

        # The reset link is minted when the email is sent, never stored.
        services.notification_kind_links_to_set_password(
            kind=auth.PASSWORD_RESET_KIND, url_name="password-reset-confirm"
        )
        password_reset_requested.connect(_password_reset_requested, dispatch_uid="reset-email")
        password_changed.connect(_password_changed, dispatch_uid="password-changed-email")


def _password_reset_requested(sender, *, user, **kwargs) -> bool:
    from notifications.services import password_reset_notify

    return password_reset_notify(user=user)


def _password_changed(sender, *, user, how, **kwargs) -> None:
    from notifications.services import password_changed_notify

    password_changed_notify(user=user, how=how)
