from django.apps import AppConfig


class PromotersConfig(AppConfig):
    name = "promoters"

    def ready(self):
        from accounts import hooks
        from promoters.selectors import data_export_files

        hooks.on_data_export(data_export_files)
