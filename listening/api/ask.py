"""Questions about your own listening, in plain English."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from listening.ask import ask
from listening.serializers.ask import AskInput, AskOutput
from rewrapped.api import ApplicationError
from rewrapped.throttling import ScopedRateThrottle, UserRateThrottle


class AskApi(APIView):
    """Answer a question such as “top 5 artists last March” from the caller's own history; a question it cannot
    answer gets `understood: false` and examples, never a guess."""

    # Each question costs a handful of queries and a parse: a budget of its own, shared with the dashboard box.
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "listening_ask"

    @extend_schema(request=AskInput, responses=AskOutput)
    def post(self, request):
        if not isinstance(request.data, dict):
            raise ApplicationError('Send a JSON object: {"question": "top 5 artists last March"}.',
                                   code="bad_question", fields={"question": ["Expected an object with a question."]})
        data = AskInput(data=request.data)
        if not data.is_valid():
            message = next(iter(data.errors.get("question") or data.errors.get("non_field_errors") or ["Invalid."]))
            raise ApplicationError(str(message), code="bad_question", fields=data.errors)
        answer = ask(user=request.user, question=data.validated_data["question"])
        return Response(AskOutput(answer).data)
