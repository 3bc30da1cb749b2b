"""Django's error pages, answered as JSON under /api/ where clients expect ``{"detail": …}``.

DRF formats the errors its views raise; these cover the rest: a path no route matches (an id
that is not a number) and a request Django refuses before any view (too many fields).
"""

from django.http import JsonResponse
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
