import json
from functools import cache
from pathlib import Path

# Real third-party data, kept beside the project (see SOURCES.md there).
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


@cache
def _load(relative: str) -> str:
    return (FIXTURES / relative).read_text()


def fixture_json(relative: str):
    """A fresh copy of a recorded third-party response, safe to mutate."""
    return json.loads(_load(relative))
