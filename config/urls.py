from django.contrib import admin
from django.urls import include, path

from roadmap.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("roadmap.account_urls")),
    path("", include("roadmap.urls")),
]
