from django.urls import path
from django.views.decorators.http import require_safe

from . import changes_views, dashboard_views, views

app_name = "roadmap"

urlpatterns = [
    path("", views.index, name="index"),
    path("hide-done/", views.hide_done, name="hide_done"),
    path("milestones/<slug:slug>/status/", views.set_status, name="set_status"),
    path("milestones/<slug:slug>/details/", views.details, name="details"),
    path("changes/", changes_views.changelog, name="changes"),
    path("changes/<int:pk>/", changes_views.change, name="change"),
    path("changes/feed/", require_safe(changes_views.ChangesFeed()), name="changes_feed"),
    path("changes/seen/", changes_views.changes_seen, name="changes_seen"),
    # dashboard and public pages
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/plan/hours/", dashboard_views.set_hours, name="set_hours"),
    path("dashboard/tracks/<slug:slug>/target/", dashboard_views.set_target, name="set_target"),
    path(
        "dashboard/tracks/<slug:slug>/follow/",
        dashboard_views.set_following,
        {"following": True},
        name="follow_track",
    ),
    path(
        "dashboard/tracks/<slug:slug>/unfollow/",
        dashboard_views.set_following,
        {"following": False},
        name="unfollow_track",
    ),
    path("u/<str:username>/", dashboard_views.public_page, name="public_page"),
    path("u/<str:username>/badge.svg", dashboard_views.badge, name="badge"),
]
