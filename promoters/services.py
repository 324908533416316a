"""Writes for promoters: applying to become one, and staff's review of the applications."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from promoters.models import PromoterApplication
from rewrapped.api import ApplicationError
from rewrapped.broker import task_queue_on_commit


def promoter_application_submit(*, user: User, organisation: str, website: str, reason: str) -> PromoterApplication:
    """A regular user's request to promote events. Guests have no email to be reached at, and promoters
    are one already, so neither may apply; one application waits for review at a time."""
    if user.is_guest:
        raise ApplicationError("Add an email and password to your account before applying.", code="guest",
                               status_code=403)
    if user.is_promoter:
        raise ApplicationError("You are a promoter already.", code="already_promoter", status_code=403)
    try:
        with transaction.atomic():
            return PromoterApplication.objects.create(
                user=user, organisation=organisation, website=website, reason=reason
            )
    except IntegrityError:
        # The partial unique constraint, not a read before the write: two quick submits cannot both pass.
        raise ApplicationError("Your application is already waiting for review.", code="pending") from None


@transaction.atomic
def promoter_applications_approve(*, applications: QuerySet[PromoterApplication], reviewer: User) -> int:
    """Approve the pending ones among `applications`; each applicant becomes a promoter. Returns how many."""
    pending = list(applications.select_for_update(of=("self",)).filter(status=PromoterApplication.Status.PENDING))
    now = timezone.now()
    for application in pending:
        application.status = PromoterApplication.Status.APPROVED
        application.rejection_reason = ""
        application.reviewed_by = reviewer
        application.reviewed_at = now
    PromoterApplication.objects.bulk_update(pending, ["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    account_services.promoter_role_grant(user_ids=[application.user_id for application in pending])
    _applicants_notify([application.pk for application in pending])
    return len(pending)


@transaction.atomic
def promoter_applications_reject(*, applications: QuerySet[PromoterApplication], reviewer: User, reason: str) -> int:
    """Reject the pending ones among `applications` with a reason the applicant sees. Returns how many."""
    pending = list(applications.select_for_update(of=("self",)).filter(status=PromoterApplication.Status.PENDING)
                   .values_list("pk", flat=True))
    PromoterApplication.objects.filter(pk__in=pending).update(
        status=PromoterApplication.Status.REJECTED, rejection_reason=reason, reviewed_by=reviewer,
        reviewed_at=timezone.now(),
    )
    _applicants_notify(pending)
    return len(pending)


def _applicants_notify(application_ids: list[int]) -> None:
    from promoters.tasks import promoter_application_notify

    # One task per email, as for events under review.
    for pk in application_ids:
        task_queue_on_commit(promoter_application_notify, application_id=pk)


def promoter_application_email(*, application_id: int) -> bool:
    """Tell the applicant how review went, as the application stands now. Whether it was sent."""
    application = PromoterApplication.objects.filter(
        pk=application_id, status__in=[PromoterApplication.Status.APPROVED, PromoterApplication.Status.REJECTED],
    ).select_related("user").first()
    if application is None or not application.user.email:
        return False
    if application.status == PromoterApplication.Status.APPROVED:
        subject = "You are a promoter on Re-Wrapped"
        body = (f"Your application for {application.organisation} is approved. Create your first event in the "
                f"promoter console:\n\n{_site_url('promoters:console')}\n")
    else:
        subject = "Your promoter application was not approved"
        body = (f"Your application for {application.organisation} was not approved:\n\n"
                f"{application.rejection_reason}\n\nYou may apply again:\n\n{_site_url('promoters:apply')}\n")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [application.user.email])
    return True


def _site_url(name: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name)

