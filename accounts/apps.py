from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.socialaccount.models import SocialAccount
        from django.db.models.signals import post_delete, post_save
        from hijack.signals import hijack_ended, hijack_started

        from accounts import services
        from accounts.models import User

        # django-hijack only tells us through signals; the services do the writing.
        hijack_started.connect(services.impersonation_on_start, dispatch_uid="impersonation-start")
        hijack_ended.connect(services.impersonation_on_end, dispatch_uid="impersonation-end")

        # A user is saved from many places (allauth, the admin, manage.py changepassword, our services): each save
        # or deletion makes the API read the row again, so a new password or a deactivation ends tokens at once.
        def user_changed(sender, instance, **kwargs):
            services.user_cache_expire(public_id=instance.public_id)

        post_save.connect(user_changed, sender=User, dispatch_uid="user-cache-expire-save")
        post_delete.connect(user_changed, sender=User, dispatch_uid="user-cache-expire-delete")

        def link_changed(sender, instance, **kwargs):
            services.user_cache_expire(public_id=instance.user.public_id)

        post_save.connect(link_changed, sender=SocialAccount, dispatch_uid="user-cache-expire-link-save")
        post_delete.connect(link_changed, sender=SocialAccount, dispatch_uid="user-cache-expire-link-delete")
