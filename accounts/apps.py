from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from hijack.signals import hijack_ended, hijack_started

        from accounts import services

        # django-hijack only tells us through signals; the services do the writing.
        hijack_started.connect(services.impersonation_on_start, dispatch_uid="impersonation-start")
        hijack_ended.connect(services.impersonation_on_end, dispatch_uid="impersonation-end")
