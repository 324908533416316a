"""The recommended songs played before billing existed count against the free songs, once: each play becomes a
free song used in billing's ledger under the key the mood app reports it by (emotions.services). A play already in
the ledger is left as it is, so running this again, or after a play was reported, counts nothing twice."""

from django.db import migrations

BACKFILL = """
    INSERT INTO billing_songuse (user_id, play_key, premium, at)
    SELECT user_id, 'recommended-play:' || public_id::text, false, played_at
    FROM emotions_recommendedplay
    ON CONFLICT (user_id, play_key) DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ("emotions", "0002_track_moods"),
        ("billing", "0001_ledger_and_webhooks"),
    ]

    # Going back leaves the ledger alone: those songs were played all the same.
    operations = [migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop)]
