from django.urls import path

from listening.api import imports as imports_api
from listening.views import imports

app_name = "listening"
urlpatterns = [
    path("import/", imports.imports, name="imports"),
    path("import/<uuid:public_id>/cancel/", imports.import_cancel, name="import-cancel"),
]

# Mounted under /api/v1/listening/ in the "api" namespace.
api_urlpatterns = [
    path("imports/", imports_api.ImportListCreateApi.as_view(), name="imports"),
    path("imports/<uuid:public_id>/", imports_api.ImportDetailApi.as_view(), name="import-detail"),
    path("imports/<uuid:public_id>/cancel/", imports_api.ImportCancelApi.as_view(), name="import-cancel"),
]
