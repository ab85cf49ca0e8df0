"""Writes of notifications: sending one (in the portal and by email), marking it read, the
email's delivery in three steps (claim, send, record), and the outbox of tasks recorded for
the worker with the change that needs them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, InterfaceError, connection, transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import dateformat, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Notification, PendingTask
from partnership import auth
from partnership.celery import app as celery_app
from partnership.models import User

logger = logging.getLogger(__name__)


class TransientEmailError(Exception):
    """Email delivery failed in a way worth retrying (network, provider outage)."""

    def __init__(self, message: str = "", *, attempts: int = 1):
        super().__init__(message)
        self.attempts = attempts


class NotificationBusy(Exception):
    """Another transaction holds the notification's row for now: deliver again in seconds."""


class EmailSentNotRecorded(Exception):
    """The provider took the email but `sent` could not be recorded (the database went away):
    record it later with `notification_email_mark_sent`, never send it again."""

    def __init__(self, *, notification_id: int, claimed_at, sent_at):
        super().__init__(f"Email for notification {notification_id} sent but not recorded")
        self.notification_id = notification_id
        self.claimed_at = claimed_at
        self.sent_at = sent_at


# Notification kinds whose email carries a one-time link to set the recipient's password,
# with the name of the page it opens (taking `uidb64` and `token`). The link is minted
# when the email is sent and never stored, so no row, admin page or backup holds one.
_SET_PASSWORD_LINK_PAGES: dict[str, str] = {}


def notification_kind_links_to_set_password(*, kind: str, url_name: str) -> None:
    """Declare that the emails of notifications of `kind` carry a link to set a password,
    to the page named `url_name`; each app declares its own kinds when it is ready."""
    _SET_PASSWORD_LINK_PAGES[kind] = url_name


def link_carries_secret(link: str) -> bool:
    """Whether a portal path opens a page that takes a one-time token from the path."""
    if not link:
        return False
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return False
    return "token" in match.kwargs


@transaction.atomic
def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    email: bool = True,
    dedupe_key: str = "",
) -> list[Notification]:
    """Notify each recipient in the portal and, if asked, by email after the transaction commits.

    With a `dedupe_key`, a recipient already notified of that event is not notified again.
    A `link` holding a one-time token is refused: such a link is minted at sending (see
    `notification_kind_links_to_set_password`), never stored.
    """
    if link_carries_secret(link):
        raise ValueError(f"A link with a one-time token is never stored ({kind} notification)")
    # Titles are built from names people chose (a service's, an organisation's): any length.
    title = _fit(title, Notification._meta.get_field("title").max_length)
    created = []
    for recipient in recipients:
        if not recipient.is_active:
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient,
                    kind=kind,
                    title=title,
                    body=body,
                    link=link,
                    dedupe_key=dedupe_key,
                    email_status=(
                        Notification.EmailStatus.PENDING
                        if email
                        else Notification.EmailStatus.NOT_REQUIRED
                    ),
                )
        except IntegrityError:
            continue  # already notified of this event
        created.append(notification)
        if email:
            transaction.on_commit(lambda pk=notification.pk: _notification_email_queue(pk))
    return created


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ANY_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Message:
    """One event to tell some users of, for `notification_send_many`."""

    recipient_ids: tuple[int, ...]
    kind: str
    title: str
    body: str = ""
    link: str = ""
    dedupe_key: str = ""


@transaction.atomic
def notification_send_many(messages: Iterable[Message]) -> list[Notification]:
    """`notification_send` for many events at once, each with its dedupe key: two queries
    and an insert whatever their number (a monitoring run raising thousands of alerts).
    Recipients must be active users (the recipient selectors give only those); a recipient
    already told of an event is not told again. Every notification is emailed."""
    rows = []
    # Whether a link carries a secret depends on its page, not on the ids in it: each
    # shape of link is resolved once (resolving is a millisecond; a run sends thousands).
    checked: dict[str, bool] = {}
    for message in messages:
        shape = _UUID.sub(_ANY_UUID, message.link)
        if shape not in checked:
            checked[shape] = link_carries_secret(shape)
        if checked[shape]:
            raise ValueError(f"A link with a one-time token is never stored ({message.kind})")
        title = _fit(message.title, Notification._meta.get_field("title").max_length)
        for recipient_id in dict.fromkeys(message.recipient_ids):
            rows.append(
                Notification(
                    recipient_id=recipient_id,
                    kind=message.kind,
                    title=title,
                    body=message.body,
                    link=message.link,
                    dedupe_key=message.dedupe_key,
                    email_status=Notification.EmailStatus.PENDING,
                )
            )
    keys = {row.dedupe_key for row in rows if row.dedupe_key}
    told = set(
        Notification.objects.filter(
            recipient_id__in={row.recipient_id for row in rows}, dedupe_key__in=keys
        ).values_list("recipient_id", "dedupe_key")
    )
    rows = [row for row in rows if (row.recipient_id, row.dedupe_key) not in told]
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if ids := [notification.pk for notification in created]:
        transaction.on_commit(lambda: _notification_emails_queue(ids))
    return created


def _notification_emails_queue(notification_ids: list[int]) -> None:
    """Hand many emails to the worker in one message, which queues each (as
    `_notification_email_queue` does one; the stalled-email sweep covers a broker down)."""
    from notifications.tasks import notification_emails_send

    try:
        notification_emails_send.delay(notification_ids)
    except Exception as exc:  # noqa: BLE001 - any broker failure; the notifications stand
        logger.warning(
            "Emails for %d notifications not queued (%s); the stalled-email sweep will send them",
            len(notification_ids),
            type(exc).__name__,
        )


def _fit(text: str, limit: int) -> str:
    """The text, cut with an ellipsis at a word where it can be, to at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    at_word = cut.rsplit(" ", 1)[0]
    return (at_word if len(at_word) > limit // 2 else cut).rstrip() + "…"


def _notification_email_queue(notification_id: int) -> None:
    """Hand the email to the worker. With the broker down the change that notified stands:
    the email stays pending and the stalled-email sweep sends it once the broker answers."""
    # Imported here: the tasks module imports this one.
    from notifications.tasks import notification_email_send

    try:
        notification_email_send.delay(notification_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure; the notification stands
        logger.warning(
            "Email for notification %s not queued (%s); the stalled-email sweep will send it",
            notification_id,
            type(exc).__name__,
        )


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (idempotent)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of a user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notifications_mark_read_for(*, user: User, subject) -> int:
    """Mark read the user's unread notifications about a subject they have just opened (a
    referral, an alert: anything with the `portal_path` its notifications link to); returns
    how many changed. Called from the subject's page, on GET only (HEAD never writes)."""
    return Notification.objects.filter(
        recipient=user, read_at__isnull=True, link=subject.portal_path
    ).update(read_at=timezone.now())


def notification_email_reference(notification_id: int) -> str:
    """The reference an email carries to its provider (GOV.UK Notify's `reference`, and the
    SMTP Message-ID): the same for every attempt, so the provider can tell whether it has
    the email already."""
    return f"notification-{notification_id}"


def notification_email_deliver(*, notification_id: int, max_attempts: int = 6) -> bool:
    """Send a notification's email if it is still pending; True when this call sent it.

    Three steps, so that a crash or a lost database connection never sends it twice: the row
    is claimed (`sending`, with the time) and committed, the provider is called outside any
    transaction, and `sent` is recorded. Only the notification's row is locked, never its
    recipient's. A delivery that finds the row locked raises `NotificationBusy` (try again
    in seconds); one that finds it claimed leaves it to its claimant, or to
    `notification_email_claims_settle` once the claim is stale. When the provider took the
    email but recording it fails, `EmailSentNotRecorded` says so: record it, never resend.
    """
    claim = _notification_email_claim(notification_id=notification_id)
    if claim is None:
        return False
    notification, message = claim
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - every backend raises its own kinds
        status = (
            Notification.EmailStatus.FAILED
            if notification.email_attempts >= max_attempts
            else Notification.EmailStatus.PENDING
        )
        Notification.objects.filter(
            pk=notification.pk,
            email_status=Notification.EmailStatus.SENDING,
            email_claimed_at=notification.email_claimed_at,
        ).update(email_status=status)
        logger.warning("Email for notification %s failed: %s", notification_id, type(exc).__name__)
        if status == Notification.EmailStatus.PENDING:
            raise TransientEmailError(str(exc), attempts=notification.email_attempts) from exc
        return False
    sent_at = timezone.now()
    try:
        notification_email_mark_sent(
            notification_id=notification.pk,
            claimed_at=notification.email_claimed_at,
            sent_at=sent_at,
        )
    except (DatabaseError, InterfaceError) as exc:
        _close_broken_connection()
        raise EmailSentNotRecorded(
            notification_id=notification.pk,
            claimed_at=notification.email_claimed_at,
            sent_at=sent_at,
        ) from exc
    return True


@transaction.atomic
def _notification_email_claim(*, notification_id: int) -> tuple[Notification, EmailMessage] | None:
    """Claim a pending email for sending, committed before the provider is called; None when
    there is nothing to send (sent, claimed, failed, not wanted, or no longer exists)."""
    notification = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        if Notification.objects.filter(pk=notification_id).exists():
            raise NotificationBusy(notification_id)
        return None
    if notification.email_status != Notification.EmailStatus.PENDING:
        return None
    if not _may_carry_set_password_link(notification):
        notification.email_status = Notification.EmailStatus.FAILED
        notification.save(update_fields=["email_status"])
        logger.warning(
            "Email for notification %s not sent: its link to set a password has lapsed",
            notification_id,
        )
        return None
    reference = notification_email_reference(notification.pk)
    message = EmailMessage(
        subject=f"{settings.SERVICE_NAME}: {notification.title}",
        body=_email_body(notification),
        to=[notification.recipient.email],
        # A resend is the same message: mail systems that see this id again drop the copy.
        headers={"Message-ID": f"<{reference}@{_email_domain()}>"},
    )
    message.reference = reference
    notification.email_attempts += 1
    try:
        message.message()  # the headers are checked as the message is built
    except (BadHeaderError, ValueError) as exc:
        # No retry could build it: fail once, loudly, rather than retry for ever.
        notification.email_status = Notification.EmailStatus.FAILED
        notification.save(update_fields=["email_attempts", "email_status"])
        logger.error(
            "Email for notification %s cannot be built: %s", notification_id, type(exc).__name__
        )
        return None
    notification.email_status = Notification.EmailStatus.SENDING
    notification.email_claimed_at = timezone.now()
    notification.save(update_fields=["email_attempts", "email_status", "email_claimed_at"])
    return notification, message


def notification_email_mark_sent(*, notification_id: int, claimed_at, sent_at) -> bool:
    """Record that the provider took the email of the claim made at `claimed_at`; False if
    that claim is no longer the row's (idempotent: a second call changes nothing)."""
    changed = (
        Notification.objects.filter(pk=notification_id, email_claimed_at=claimed_at)
        .exclude(email_status=Notification.EmailStatus.SENT)
        .update(email_status=Notification.EmailStatus.SENT, email_sent_at=sent_at)
    )
    return bool(changed)


def notification_email_claims_settle(
    *, older_than: timedelta | None = None, max_attempts: int = 6, limit: int = 500
) -> int:
    """Settle emails claimed longer ago than `EMAIL_SENDING_TIMEOUT`: their worker died
    mid-send, so each may or may not have gone. The rule: when the email provider can say
    whether it took the email (GOV.UK Notify, asked by reference) it is believed: sent, or
    pending to be sent again. When it cannot (SMTP), the email is sent again, since a
    repeated email does less harm than a lost one; after `max_attempts`, failed.
    Returns how many were settled."""
    if older_than is None:
        older_than = timedelta(seconds=settings.EMAIL_SENDING_TIMEOUT)
    stale = list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.SENDING,
            email_claimed_at__lt=timezone.now() - older_than,
        )
        .order_by("email_claimed_at")
        .values_list("pk", "email_claimed_at", "email_attempts")[:limit]
    )
    if not stale:
        return 0
    accepted = getattr(get_connection(), "accepted", None)
    settled = 0
    for notification_id, claimed_at, attempts in stale:
        try:
            took_it = accepted(notification_email_reference(notification_id)) if accepted else None
        except Exception as exc:  # noqa: BLE001 - the provider cannot answer: ask next time
            logger.warning(
                "Email for notification %s unsettled: the provider did not answer (%s)",
                notification_id,
                type(exc).__name__,
            )
            continue
        if took_it:
            settled += notification_email_mark_sent(
                notification_id=notification_id, claimed_at=claimed_at, sent_at=claimed_at
            )
            continue
        status = (
            Notification.EmailStatus.FAILED
            if attempts >= max_attempts
            else Notification.EmailStatus.PENDING
        )
        settled += Notification.objects.filter(
            pk=notification_id,
            email_status=Notification.EmailStatus.SENDING,
            email_claimed_at=claimed_at,
        ).update(email_status=status)
        if took_it is None:
            logger.warning(
                "Email for notification %s was cut off mid-send; sending again (may repeat it)",
                notification_id,
            )
    return settled


def _email_domain() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def _close_broken_connection() -> None:
    """After a database error outside a transaction, reconnect on the next query."""
    if not connection.in_atomic_block:
        connection.close()


def _may_carry_set_password_link(notification: Notification) -> bool:
    """A link to set a password goes only to an active account, within the link's lifetime
    counted from the request (a late retry must not extend it)."""
    if notification.kind not in _SET_PASSWORD_LINK_PAGES:
        return True
    lifetime = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return notification.recipient.is_active and timezone.now() - notification.created_at < lifetime


def _set_password_link(notification: Notification) -> str:
    """A fresh one-time link for the recipient: each attempt (a retry, a redelivery) mints
    its own, valid until the password changes or the link's lifetime passes."""
    user = notification.recipient
    return reverse(
        _SET_PASSWORD_LINK_PAGES[notification.kind],
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _email_body(notification: Notification) -> str:
    base_url = settings.PORTAL_BASE_URL.rstrip("/")
    parts = [notification.title]
    if notification.body:
        parts.append(notification.body)
    if notification.kind in _SET_PASSWORD_LINK_PAGES:
        parts.append(f"Set your password: {base_url}{_set_password_link(notification)}")
    elif notification.link:
        parts.append(f"Open it in the portal: {base_url}{notification.link}")
    parts.append(f"You are getting this email because you use {settings.SERVICE_NAME}.")
    return "\n\n".join(parts)


def notification_email_stalled_ids(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Pending emails whose task has had time to run: a lost message is sent again (a claimed
    one is its claimant's, or `notification_email_claims_settle`'s)."""
    cutoff = timezone.now() - older_than
    return list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )


def pending_task_record(*, task_name: str, args: list) -> PendingTask:
    """Record a task for the worker in the current transaction; `pending_task_send` hands it
    to the broker after the commit, and `pending_tasks_send_due` again if that failed."""
    return PendingTask.objects.create(task_name=task_name, args=args)


def pending_task_send(*, pending_task: PendingTask) -> None:
    """Hand a recorded task to the broker, then forget it. A broker error propagates and the
    task stays recorded. The tasks are idempotent, so a second delivery does no harm."""
    celery_app.send_task(pending_task.task_name, args=pending_task.args, retry=False)
    PendingTask.objects.filter(pk=pending_task.pk).delete()


def pending_tasks_send_due(
    *, older_than: timedelta = timedelta(minutes=1), limit: int = 500
) -> int:
    """Hand the broker the recorded tasks it never took (it was down when their change
    committed), oldest first; stops at the first failure. Returns how many were sent."""
    sent = 0
    with transaction.atomic():
        due = PendingTask.objects.select_for_update(skip_locked=True).filter(
            created_at__lt=timezone.now() - older_than
        )
        for pending_task in due.order_by("created_at")[:limit]:
            try:
                pending_task_send(pending_task=pending_task)
            except Exception as exc:  # noqa: BLE001 - the broker is still down; try next run
                PendingTask.objects.filter(pk=pending_task.pk).update(
                    attempts=pending_task.attempts + 1
                )
                logger.warning(
                    "Recorded task %s not sent (%s); %d sent before it",
                    pending_task.task_name,
                    type(exc).__name__,
                    sent,
                )
                break
            sent += 1
    return sent


# Password resets -------------------------------------------------------------------------

PASSWORD_RESET_EMAILS_PER_ACCOUNT_PER_HOUR = 3


@transaction.atomic
def password_reset_notify(*, user: User) -> bool:
    """Email `user` a link to choose a new password, through the notification layer; a few
    an hour at most per account, counted under a lock on the account. True when one was
    sent. The link is minted when the email is sent (`NotificationsConfig.ready`), never
    stored with the notification."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    since = timezone.now() - timedelta(hours=1)
    if (
        Notification.objects.filter(
            recipient=user, kind=auth.PASSWORD_RESET_KIND, created_at__gte=since
        ).count()
        >= PASSWORD_RESET_EMAILS_PER_ACCOUNT_PER_HOUR
    ):
        return False
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
    sent = notification_send(
        recipients=[user],
        kind=auth.PASSWORD_RESET_KIND,
        title="Reset your password",
        body=(
            "Someone asked to reset the password of your account. If it was you, follow the "
            f"link to choose a new password. The link works once and expires in {days} days.\n\n"
            "If it was not you, you can ignore this email: your password has not changed."
        ),
    )
    return bool(sent)


PASSWORD_CHANGED_KIND = "password_changed"


def password_changed_notify(*, user: User, how: str) -> list[Notification]:
    """Tell `user`, by email to their own address and in the portal, that their password
    changed (`how`: "changed" from their account, "reset" from an emailed link), when, and
    what to do if it was not them. The email goes after the change commits."""
    when = dateformat.format(timezone.localtime(), r"j F Y \a\t H:i")
    way = "reset with a link sent by email" if how == "reset" else "changed from your account"
    return notification_send(
        recipients=[user],
        kind=PASSWORD_CHANGED_KIND,
        title="Your password was changed",
        body=(
            f"The password of your {settings.SERVICE_NAME} account was {way} on {when} "
            "(UK time). If it was you, you need do nothing.\n\n"
            "If it was not you, contact service support straight away at "
            f"{settings.SUPPORT_EMAIL}: someone else may be able to sign in as you."
        ),
    )
