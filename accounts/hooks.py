"""How apps above accounts hear about accounts without accounts knowing them: each registers plain functions here
from its AppConfig.ready(), and accounts calls whatever is registered."""

from collections.abc import Callable

# hook(user=…, changed=…) after a profile change is saved; `changed` holds the names of the fields whose value
# changed, so each app reacts only to what concerns it.
profile_changed_hooks: list[Callable] = []
# hook(user) -> dict: an app's sections of the "download my data" export, merged into it.
data_export_hooks: list[Callable] = []


def on_profile_change(hook: Callable) -> Callable:
    if hook not in profile_changed_hooks:
        profile_changed_hooks.append(hook)
    return hook


def on_data_export(hook: Callable) -> Callable:
    if hook not in data_export_hooks:
        data_export_hooks.append(hook)
    return hook
