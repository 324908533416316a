"""Input and output of the library and taste-match API. Shapes only: the rules live in the services."""

from rest_framework import serializers

from listening.models import Favourite, Playlist, StarterPick, Track, TrackRating
from listening.selectors import public_name


# --- catalog ---------------------------------------------------------------------------------------------
class NamedOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()


class TrackOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    artist = NamedOutput()
    album = NamedOutput(allow_null=True)
    on_spotify = serializers.SerializerMethodField(help_text="False for songs known by name only: not exportable.")

    class Meta:
        model = Track
        fields = ["id", "name", "artist", "album", "duration_ms", "spotify_id", "on_spotify"]

    def get_on_spotify(self, track) -> bool:
        return bool(track.spotify_id)


class CatalogSearchInput(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=200, help_text="Words of the song title or artist.")


class TrackRefInput(serializers.Serializer):
    track = serializers.UUIDField(help_text="The song's id.")


# --- favourites, ratings, picks --------------------------------------------------------------------------
class FavouriteOutput(serializers.ModelSerializer):
    track = TrackOutput()

    class Meta:
        model = Favourite
        fields = ["track", "created_at"]


class RatingInput(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)


class RatingOutput(serializers.ModelSerializer):
    track = TrackOutput()

    class Meta:
        model = TrackRating
        fields = ["track", "stars", "rated_at"]


class StarterPickOutput(serializers.ModelSerializer):
    track = TrackOutput()

    class Meta:
        model = StarterPick
        fields = ["track", "created_at"]


class StarterPicksOutput(serializers.Serializer):
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    warning = serializers.CharField(allow_blank=True, help_text="Set once the picks near the limit.")
    picks = StarterPickOutput(many=True)


# --- playlists -------------------------------------------------------------------------------------------
class PlaylistCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class PlaylistRenameInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=300, allow_blank=True, required=False)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError("Send a new name, a new description, or both.")
        return data


class PlaylistTracksInput(serializers.Serializer):
    tracks = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=1000)


class PlaylistOrderInput(serializers.Serializer):
    tracks = serializers.ListField(
        child=serializers.UUIDField(), max_length=1000, help_text="Every song of the playlist once, in the new order."
    )


class PlaylistOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    track_count = serializers.IntegerField()
    spotify_id = serializers.CharField(allow_blank=True)

    class Meta:
        model = Playlist
        fields = ["id", "name", "description", "track_count", "spotify_id", "exported_at", "created_at", "updated_at"]


class PlaylistDetailOutput(PlaylistOutput):
    tracks = TrackOutput(many=True)

    class Meta(PlaylistOutput.Meta):
        fields = [*PlaylistOutput.Meta.fields, "tracks"]


class PlaylistExportOutput(serializers.Serializer):
    spotify_id = serializers.CharField(source="playlist.spotify_id")
    spotify_url = serializers.URLField()
    exported = serializers.IntegerField(help_text="Songs now in the Spotify playlist.")
    skipped = serializers.IntegerField(help_text="Songs Spotify does not know, left out.")


# --- taste match -----------------------------------------------------------------------------------------
class ListenerOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.SerializerMethodField()
    avatar_url = serializers.URLField(allow_blank=True)

    def get_name(self, user) -> str:
        return public_name(user)


class GenreOutput(serializers.Serializer):
    name = serializers.CharField()


class TasteMatchOutput(serializers.Serializer):
    listener = ListenerOutput(source="user")
    score = serializers.IntegerField(help_text="0 (nothing in common) to 100 (the same taste).")
    artist_similarity = serializers.FloatField()
    genre_similarity = serializers.FloatField(allow_null=True)
    shared_artists = NamedOutput(many=True)
    shared_genres = GenreOutput(many=True)


class TasteSharingInput(serializers.Serializer):
    public = serializers.BooleanField(help_text="Share your taste: others may see how they match you.")


class TasteSharingOutput(serializers.Serializer):
    public = serializers.BooleanField(source="public_profile")
