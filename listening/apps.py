from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"

    def ready(self):
        from accounts import hooks
        from listening import reactions
        from listening.selectors import data_export_files

        hooks.on_profile_change(reactions.profile_changed)
        hooks.on_data_export(data_export_files)
