from django_countries import countries
from rest_framework import serializers
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from accounts.models import MAX_AGE, MIN_AGE, User
from rewrapped.time_zones import time_zone_canonical, time_zone_names


class MeOutput(serializers.Serializer):
    """The profile's fields declared here rather than read from the model on every request (a ModelSerializer
    builds its fields from the model each time it is made)."""

    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=User.Role.choices)
    is_staff = serializers.BooleanField()
    display_name = serializers.CharField()
    avatar_url = serializers.URLField(allow_blank=True)
    interests = serializers.ListField(child=serializers.CharField())
    age = serializers.IntegerField(allow_null=True)
    gender = serializers.ChoiceField(choices=User.Gender.choices, allow_blank=True)
    country = serializers.CharField(source="country.code")
    city = serializers.CharField()
    occupation = serializers.ChoiceField(choices=User.Occupation.choices, allow_blank=True)
    time_zone = serializers.CharField()
    spotify = serializers.SerializerMethodField()

    def get_spotify(self, user) -> dict:
        return {
            "connected": any(account.provider == "spotify" for account in user.socialaccount_set.all()),
            "needs_reconnect": user.needs_spotify_reconnect,
        }


class TimeZoneInput(serializers.ChoiceField):
    """A zone from IANA's canonical names, as the profile form takes it: an alias (what a phone may report) is
    read as the zone it names."""

    default_error_messages = {"invalid_choice": "Choose a time zone from the list, such as Europe/Amsterdam."}

    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_names(), **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(time_zone_canonical(str(data)) or data)


class MeInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    interests = serializers.ListField(child=serializers.CharField(max_length=40), max_length=30, required=False)
    age = serializers.IntegerField(min_value=MIN_AGE, max_value=MAX_AGE, allow_null=True, required=False)
    gender = serializers.ChoiceField(choices=User.Gender.choices, allow_blank=True, required=False)
    country = serializers.CharField(max_length=2, allow_blank=True, required=False)
    city = serializers.CharField(max_length=120, allow_blank=True, required=False)
    occupation = serializers.ChoiceField(choices=User.Occupation.choices, allow_blank=True, required=False)
    time_zone = TimeZoneInput(required=False)

    def validate_country(self, value: str) -> str:
        code = value.strip().upper()
        if code and code not in dict(countries):
            raise serializers.ValidationError(f"“{code}” is not an ISO 3166 alpha-2 country code.")
        return code


class EmailTokenObtainSerializer(TokenObtainPairSerializer):
    """JWT pair for mobile clients, signed in with email and password like the site."""

    username_field = "email"


class TokenRefreshInput(TokenRefreshSerializer):
    """A refresh is refused (401) whenever a request with its access token would be: the account is gone or
    deactivated, or its password changed after the token was issued. simplejwt 5.5 checks none of these when
    refreshing (and answers a deleted account with a 500)."""

    def validate(self, attrs):
        JWTAuthentication().get_user(self.token_class(attrs["refresh"]))
        return super().validate(attrs)
