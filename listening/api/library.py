"""The library API: your playlists, favourites, ratings and starter picks, and catalog search to find songs.

Every row is the caller's own: another user's playlist answers 404, as if it did not exist."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from listening import selectors, services
from listening.serializers.library import (
    CatalogSearchInput, FavouriteOutput, PlaylistCreateInput, PlaylistDetailOutput, PlaylistExportOutput,
    PlaylistOrderInput, PlaylistOutput, PlaylistRenameInput, PlaylistTracksInput, RatingInput, RatingOutput,
    StarterPicksOutput, TrackOutput, TrackRefInput,
)
from rewrapped.api import ApplicationError


def _tracks(public_ids, *, field: str = "tracks") -> list:
    """The songs with these ids, in this order; an unknown id is a field error and nothing is written."""
    found = selectors.tracks_by_public_ids(public_ids)
    missing = [str(public_id) for public_id in public_ids if public_id not in found]
    if missing:
        raise ApplicationError("Some songs are not in the catalog.", code="unknown_tracks",
                               fields={field: [f"No song has the id {public_id}." for public_id in missing[:10]]})
    return [found[public_id] for public_id in public_ids]


def _detail(playlist) -> dict:
    tracks = [item.track for item in selectors.playlist_items(playlist=playlist)]
    playlist.tracks, playlist.track_count = tracks, len(tracks)
    return PlaylistDetailOutput(playlist).data


# --- catalog ---------------------------------------------------------------------------------------------
class CatalogSearchApi(APIView):
    """Songs in the catalog whose title or artist holds every word of `q` (at most 20)."""

    @extend_schema(parameters=[CatalogSearchInput], responses=TrackOutput(many=True))
    def get(self, request):
        data = CatalogSearchInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(TrackOutput(selectors.catalog_search(query=data.validated_data["q"]), many=True).data)


# --- playlists -------------------------------------------------------------------------------------------
class PlaylistListCreateApi(ListAPIView):
    """Your playlists, most recently changed first; POST to create one."""

    serializer_class = PlaylistOutput

    def get_queryset(self):
        return selectors.playlists_of(user=self.request.user).order_by("-updated_at", "pk")

    @extend_schema(request=PlaylistCreateInput, responses={201: PlaylistOutput})
    def post(self, request):
        data = PlaylistCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        playlist = services.playlist_create(user=request.user, **data.validated_data)
        playlist.track_count = 0
        return Response(PlaylistOutput(playlist).data, status=201)


class PlaylistDetailApi(APIView):
    """One of your playlists with its songs in order; PATCH renames it, DELETE removes it."""

    @extend_schema(responses=PlaylistDetailOutput)
    def get(self, request, public_id):
        return Response(_detail(selectors.playlist_of(user=request.user, public_id=public_id)))

    @extend_schema(request=PlaylistRenameInput, responses=PlaylistDetailOutput)
    def patch(self, request, public_id):
        playlist = selectors.playlist_of(user=request.user, public_id=public_id)
        data = PlaylistRenameInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_rename(playlist=playlist, **data.validated_data)
        return Response(_detail(playlist))

    @extend_schema(responses={204: None})
    def delete(self, request, public_id):
        services.playlist_delete(playlist=selectors.playlist_of(user=request.user, public_id=public_id))
        return Response(status=204)


class PlaylistTracksAddApi(APIView):
    """Append songs to the end of the playlist; songs already in it are skipped."""

    @extend_schema(request=PlaylistTracksInput, responses=PlaylistDetailOutput)
    def post(self, request, public_id):
        playlist = selectors.playlist_of(user=request.user, public_id=public_id)
        data = PlaylistTracksInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_tracks_add(playlist=playlist, tracks=_tracks(data.validated_data["tracks"]))
        return Response(_detail(playlist))


class PlaylistTrackRemoveApi(APIView):
    """Take one song out of the playlist; the songs after it move up."""

    @extend_schema(responses={200: PlaylistDetailOutput})
    def delete(self, request, public_id, track_id):
        playlist = selectors.playlist_of(user=request.user, public_id=public_id)
        services.playlist_track_remove(playlist=playlist, track=selectors.track_by_public_id(track_id))
        return Response(_detail(playlist))


class PlaylistOrderApi(APIView):
    """Put the playlist's songs in a new order: send every song once."""

    @extend_schema(request=PlaylistOrderInput, responses=PlaylistDetailOutput)
    def put(self, request, public_id):
        playlist = selectors.playlist_of(user=request.user, public_id=public_id)
        data = PlaylistOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_reorder(playlist=playlist, tracks=_tracks(data.validated_data["tracks"]))
        return Response(_detail(playlist))


class PlaylistExportApi(APIView):
    """Copy the playlist into your Spotify account as a new private playlist. Songs Spotify does not know are
    left out and counted. 409 when Spotify must be connected or reconnected first."""

    @extend_schema(request=None, responses=PlaylistExportOutput)
    def post(self, request, public_id):
        playlist = selectors.playlist_of(user=request.user, public_id=public_id)
        return Response(PlaylistExportOutput(services.playlist_export(playlist=playlist)).data)


# --- favourites and ratings ------------------------------------------------------------------------------
class FavouriteListApi(ListAPIView):
    """Your favourite songs, newest first."""

    serializer_class = FavouriteOutput

    def get_queryset(self):
        return selectors.favourites_of(user=self.request.user).order_by("-created_at", "pk")


class FavouriteApi(APIView):
    """PUT marks a song as a favourite, DELETE unmarks it; both may be repeated safely."""

    @extend_schema(request=None, responses=FavouriteOutput)
    def put(self, request, track_id):
        favourite = services.favourite_add(user=request.user, track=selectors.track_by_public_id(track_id))
        return Response(FavouriteOutput(favourite).data)

    @extend_schema(responses={204: None})
    def delete(self, request, track_id):
        services.favourite_remove(user=request.user, track=selectors.track_by_public_id(track_id))
        return Response(status=204)


class RatingListApi(ListAPIView):
    """Your ratings, most recent first."""

    serializer_class = RatingOutput

    def get_queryset(self):
        return selectors.ratings_of(user=self.request.user).order_by("-rated_at", "pk")


class RatingApi(APIView):
    """PUT rates a song 1–5 stars (again to change it), DELETE clears the rating."""

    @extend_schema(request=RatingInput, responses=RatingOutput)
    def put(self, request, track_id):
        track = selectors.track_by_public_id(track_id)
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(RatingOutput(services.rating_set(user=request.user, track=track, **data.validated_data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, track_id):
        services.rating_remove(user=request.user, track=selectors.track_by_public_id(track_id))
        return Response(status=204)


# --- starter picks ---------------------------------------------------------------------------------------
class StarterPicksApi(APIView):
    """The songs you picked as ones you love (up to 50), so a new account has a taste; POST picks one more."""

    @extend_schema(responses=StarterPicksOutput)
    def get(self, request):
        return Response(StarterPicksOutput(selectors.starter_picks_summary(user=request.user)).data)

    @extend_schema(request=TrackRefInput, responses={201: StarterPicksOutput})
    def post(self, request):
        data = TrackRefInput(data=request.data)
        data.is_valid(raise_exception=True)
        [track] = _tracks([data.validated_data["track"]], field="track")
        services.starter_pick_add(user=request.user, track=track)
        return Response(StarterPicksOutput(selectors.starter_picks_summary(user=request.user)).data, status=201)


class StarterPickRemoveApi(APIView):
    """Take a song out of your starter picks."""

    @extend_schema(responses={200: StarterPicksOutput})
    def delete(self, request, track_id):
        services.starter_pick_remove(user=request.user, track=selectors.track_by_public_id(track_id))
        return Response(StarterPicksOutput(selectors.starter_picks_summary(user=request.user)).data)
