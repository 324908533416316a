from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("upgrade/", views.upgrade, name="upgrade"),
    path("export/", views.data_export, name="export"),
    path("delete/", views.delete, name="delete"),
]
