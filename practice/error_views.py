"""Error answers outside DRF's views: JSON under /api/ (as the schema declares), the branded
pages of practice/web_errors.py elsewhere.

Django answers these itself when no view ran (no route matched, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, an unhandled exception), so without them an API client would get
an HTML page where the schema promises the Error shape.
"""

from __future__ import annotations

from django.http import JsonResponse

from practice import web_errors


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "The request is malformed or too large."}, status=400)
    return web_errors.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return web_errors.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return web_errors.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    return web_errors.server_error(request)
