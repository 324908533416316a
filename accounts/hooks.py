"""How apps above accounts hear about accounts without accounts knowing them: each registers plain functions here
from its AppConfig.ready(), and accounts calls whatever is registered."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

# hook(user=…, changed=…) after a profile change is saved; `changed` holds the names of the fields whose value
# changed, so each app reacts only to what concerns it.
profile_changed_hooks: list[Callable] = []
# hook(user) -> list[ExportFile]: an app's files in the "download my data" ZIP.
data_export_hooks: list[Callable] = []
# hook(user=…) before an account is deleted, for what must end outside our database first (a subscription that
# would go on charging); it raises an ApplicationError to refuse the deletion, leaving the account as it was.
account_delete_hooks: list[Callable] = []

CSV_ROWS_PER_CHUNK = 2000


@dataclass(frozen=True)
class ExportFile:
    """One file of the "download my data" ZIP: its path there, a line for the ZIP's README.txt, and its bytes,
    made only while the ZIP is sent (so a history of millions of plays is never held in memory)."""

    name: str
    about: str
    chunks: Callable[[], Iterable[bytes]]


def json_file(name: str, about: str, data: Callable[[], object]) -> ExportFile:
    """A JSON file of what `data()` returns: for the small parts (a profile, a library, saved events)."""
    return ExportFile(name, about, lambda: [json.dumps(data(), indent=2, ensure_ascii=False, default=str).encode()])


def csv_file(name: str, about: str, header: Sequence[str], rows: Callable[[], Iterable[Sequence]]) -> ExportFile:
    """A CSV file with `header`, then what `rows()` yields: for the long parts (every play). Rows come ready to
    write (times in ISO 8601, text a spreadsheet would run as a formula starting with '), so that a million of
    them cost the csv module's time and no more."""

    def chunks() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for count, row in enumerate(rows(), 1):
            writer.writerow(row)
            if count % CSV_ROWS_PER_CHUNK == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    return ExportFile(name, about, chunks)


def on_profile_change(hook: Callable) -> Callable:
    if hook not in profile_changed_hooks:
        profile_changed_hooks.append(hook)
    return hook


def on_data_export(hook: Callable) -> Callable:
    if hook not in data_export_hooks:
        data_export_hooks.append(hook)
    return hook


def on_account_delete(hook: Callable) -> Callable:
    if hook not in account_delete_hooks:
        account_delete_hooks.append(hook)
    return hook
