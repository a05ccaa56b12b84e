from django.urls import path

from . import account_views

urlpatterns = [
    path("tracks/", account_views.choose_tracks, name="choose_tracks"),
    path("data/", account_views.my_data, name="my_data"),
    path("data/export.json", account_views.export_json, name="export_json"),
    path("data/export.md", account_views.export_markdown, name="export_markdown"),
    path("data/import/", account_views.import_data, name="import_data"),
]
