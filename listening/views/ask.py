from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.shortcuts import render
from django.utils import dateformat
from django.views.decorators.http import require_POST

from listening.api.ask import AskApi
from listening.ask import Answer, ask
from listening.forms import AskForm
from rewrapped.throttling import ScopedRateThrottle


@login_required
@require_POST
def ask_question(request):
    """The dashboard's questions box: the answer as a partial for htmx, or a page of its own without JavaScript."""
    form = AskForm(request.POST)
    # The same budget as the API (one bucket per user), so the box is no way around it.
    if not ScopedRateThrottle().allow_request(request, AskApi):
        return _render(request, form, error="That's a lot of questions at once: wait a minute and ask again.",
                       status=429)
    if not form.is_valid():
        return _render(request, form, error=form.errors["question"][0], status=400)
    return _render(request, form, answer=ask(user=request.user, question=form.cleaned_data["question"]))


def _render(request, form: AskForm, *, answer: Answer | None = None, error: str | None = None, status: int = 200):
    context = {"ask_form": form, "answer": answer, "ask_error": error,
               "rows": [[_cell(value) for value in row] for row in answer.rows] if answer else []}
    template = "listening/_ask_answer.html" if request.htmx else "listening/ask.html"
    return render(request, template, context, status=status)


def _cell(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return intcomma(value)
    if hasattr(value, "hour"):
        return dateformat.format(value, "D j M Y, H:i")
    if hasattr(value, "day"):
        return dateformat.format(value, "D j M Y")
    return str(value)
