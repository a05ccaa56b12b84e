from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Section, Track


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def index(request):
    return TemplateResponse(
        request,
        "roadmap/roadmap.html",
        {
            "sections": Section.objects.with_active_milestones(),
            "tracks": Track.objects.with_active_memberships(),
        },
    )
