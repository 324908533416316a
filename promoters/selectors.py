"""Reads for promoter onboarding."""

from accounts.hooks import ExportFile, json_file
from accounts.models import User
from promoters.models import PromoterApplication


def latest_application(*, user: User) -> PromoterApplication | None:
    return user.promoter_applications.order_by("-created_at").first()


def is_pending(application: PromoterApplication | None) -> bool:
    return application is not None and application.status == PromoterApplication.Status.PENDING


def data_export_files(user: User) -> list[ExportFile]:
    """Promoters' file in the "download my data" export (accounts.data_export)."""
    return [json_file(
        "promoters/applications.json", "Your applications to become a promoter, and how staff decided them.",
        lambda: [{"organisation": a.organisation, "website": a.website, "reason": a.reason, "status": a.status,
                  "rejection_reason": a.rejection_reason, "applied_at": a.created_at, "decided_at": a.reviewed_at}
                 for a in user.promoter_applications.order_by("created_at")],
    )]
