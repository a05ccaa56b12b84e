from django.contrib import admin
from django.urls import include, path

from config.outages import readyz
from roadmap.views import favicon, healthz

admin.site.site_header = admin.site.site_title = "Next Steps admin"
admin.site.index_title = "Roadmap content and learners"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("roadmap.account_urls")),
    path("", include("roadmap.urls")),
]

handler404 = "config.outages.page_not_found"
