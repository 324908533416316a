"""What listening does when an account changes; registered with accounts.hooks in ListeningConfig.ready()."""

from accounts.models import User
from listening.services import taste_vector_refresh
from listening.tasks import rollups_rebuild
from rewrapped.broker import task_queue_on_commit


def profile_changed(*, user: User, changed: frozenset[str]) -> None:
    if "time_zone" in changed:
        # Roll-ups are kept by local day: regroup the history in the new time zone.
        task_queue_on_commit(rollups_rebuild, user_id=user.pk)
    if "public_profile" in changed:
        # Sharing taste publishes the listener's taste vector at once (and stopping withdraws it).
        taste_vector_refresh(user=user)
