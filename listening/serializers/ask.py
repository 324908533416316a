from rest_framework import serializers

from listening.ask import MAX_QUESTION_LENGTH
from listening.serializers.stats import PeriodOutput


class QuestionField(serializers.CharField):
    """Text only: DRF's CharField would quietly turn 5 or true into "5" and "True"."""

    default_error_messages = {
        "not_text": "Send the question as text, e.g. {{\"question\": \"top 5 artists last March\"}}.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class AskInput(serializers.Serializer):
    question = QuestionField(
        max_length=MAX_QUESTION_LENGTH,
        help_text="A question about your own listening, e.g. “how many minutes did I listen to Radiohead in 2023”.",
        error_messages={
            "required": "Send a question, e.g. {{\"question\": \"top 5 artists last March\"}}.",
            "blank": "The question is empty: type one, e.g. “top 5 artists last March”.",
            "null": "The question is empty: type one, e.g. “top 5 artists last March”.",
            "max_length": f"Keep the question to {MAX_QUESTION_LENGTH} characters or fewer.",
        },
    )


class AskOutput(serializers.Serializer):
    understood = serializers.BooleanField(help_text="False when the question could not be answered; see examples.")
    answer = serializers.CharField(help_text="The answer in a sentence, or why there is none and what to ask instead.")
    intent = serializers.CharField(allow_null=True, help_text="top, top_compare, amount, first_last, totals, "
                                                              "totals_compare, podcasts, audiobooks, streak or clock.")
    period = PeriodOutput(allow_null=True, help_text="The stretch of time answered for, in your own days.")
    compared_with = PeriodOutput(allow_null=True, help_text="The second stretch of time, for comparisons.")
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()),
                                 help_text="The table behind the answer, one list of cells per row, as `columns`.")
    examples = serializers.ListField(child=serializers.CharField(), help_text="Questions to try, when not understood.")
    links = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="The names the answer says, each with its page: [{\"text\": …, \"url\": …}].")
    row_links = serializers.ListField(
        child=serializers.CharField(allow_null=True),
        help_text="The page of each row's name, as `rows` (null where it has none, as genres).")
