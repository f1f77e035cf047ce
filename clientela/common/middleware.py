import json
import logging
import time

logger = logging.getLogger("clientela.requests")


class RequestLogMiddleware:
    """One JSON line per request: method, path, status, duration, user and workspace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        workspace = getattr(request, "workspace", None)
        logger.info(json.dumps({
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "user": user.pk if user is not None and user.is_authenticated else None,
            "workspace": workspace.slug if workspace is not None else None,
        }))
        return response
