from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from accounts import hooks
        from events.selectors import data_export_files

        hooks.on_data_export(data_export_files)
