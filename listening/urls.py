from django.urls import path

from listening import views

app_name = "listening"
urlpatterns = [
    path("import/", views.imports, name="imports"),
    path("import/<uuid:public_id>/cancel/", views.import_cancel, name="import-cancel"),
]
