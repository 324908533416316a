"""Reads for promoter onboarding."""

from accounts.models import User
from promoters.models import PromoterApplication


def latest_application(*, user: User) -> PromoterApplication | None:
    return user.promoter_applications.order_by("-created_at").first()


def is_pending(application: PromoterApplication | None) -> bool:
    return application is not None and application.status == PromoterApplication.Status.PENDING
