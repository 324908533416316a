import re

from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.shortcuts import render
from django.utils import dateformat
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
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
               "sentence": _sentence(answer) if answer else "", "rows": _rows(answer) if answer else []}
    template = "listening/_ask_answer.html" if request.htmx else "listening/ask.html"
    return render(request, template, context, status=status)


def _sentence(answer: Answer) -> str:
    """The answer with each name it says linked to that name's page (the first time it is said)."""
    urls = {escape(link["text"]): link["url"] for link in answer.links}
    if not urls:
        return answer.answer
    names = re.compile("|".join(re.escape(text) for text in sorted(urls, key=len, reverse=True)))
    linked = set()

    def link(match):
        text = match.group(0)
        if text in linked:
            return text
        linked.add(text)
        return format_html('<a href="{}">{}</a>', urls[text], mark_safe(text))

    return mark_safe(names.sub(link, escape(answer.answer)))


def _rows(answer: Answer) -> list[dict]:
    """Cells as text; a row's first name links to its page."""
    rows = []
    for index, row in enumerate(answer.rows):
        url = answer.row_links[index] if index < len(answer.row_links) else None
        named = next((i for i, value in enumerate(row) if isinstance(value, str)), None)
        rows.append({"cells": [_cell(value) for value in row], "url": url, "named": named})
    return rows


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
