"""The questions box on two real exports (tests/listening/ask_exports.py): at least 95 % of at least 200 questions
answered right, the score printed per category with every wrong answer."""

from collections import Counter

import pytest

from listening.ask import ask
from listening.imports import parse_member
from listening.services import plays_add
from tests.factories import UserFactory
from tests.listening.ask_exports import load_exports, questions

REQUIRED_ACCURACY = 0.95


def _listener_with(export):
    user = UserFactory(time_zone=export.zone)
    path = {"extended": "extended/Streaming_History_Audio_2023.json",
            "account_data": "account_data/StreamingHistory0.json"}[export.name]
    from tests.listening.ask_exports import EXPORT

    plays_add(user=user, rows=parse_member(path.rsplit("/", 1)[1], (EXPORT / path).read_bytes()).rows)
    return user


def score(pairs) -> tuple[int, int, list[str], dict]:
    right, failures, per_category = 0, [], {}
    for user, export in pairs:
        for category, question, check in questions(export):
            problem = check(ask(user=user, question=question))
            tally = per_category.setdefault(category, Counter())
            tally["asked"] += 1
            if problem:
                failures.append(f"[{export.name}/{category}] {question!r}: {problem}")
            else:
                right += 1
                tally["right"] += 1
    return right, sum(t["asked"] for t in per_category.values()), failures, per_category


@pytest.mark.django_db
def test_questions_over_two_real_exports_are_answered_right():
    exports = load_exports()
    pairs = [(_listener_with(export), export) for export in exports]

    right, asked, failures, per_category = score(pairs)

    print(f"\nquestions over two exports: {right}/{asked} right ({right / asked:.1%})")
    for category, tally in sorted(per_category.items()):
        print(f"  {category:15} {tally['right']:3}/{tally['asked']:3}")
    print("\n".join(failures))
    assert asked >= 200
    assert right / asked >= REQUIRED_ACCURACY, f"{right / asked:.1%} right"
