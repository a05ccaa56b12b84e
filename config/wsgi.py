"""The WSGI application, for servers that speak WSGI."""

import logging
import os

from django.core.exceptions import SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger("django.request")

UNREADABLE = b"This request's Content-Type header could not be read."
EVERY_BYTE = bytes(range(256))


def refusing_unreadable_content_types(app):
    """`app`, answering 400 to a request whose Content-Type Django can't read.

    Django reads the header's parameters as it makes the request, before any middleware, and
    then reads the query string in the charset the header names: a malformed parameter, a
    charset that is no text encoding ("rot13", "hex"), or too many fields in the query string,
    was a bare 500 from the server, from anyone, on any URL. So was a form in a charset that
    can't stand for bytes it doesn't know ("idna", "punycode"), once read. A Content-Type
    without parameters is read as before, untouched."""

    def application(environ, start_response):
        if ";" in environ.get("CONTENT_TYPE", ""):
            try:
                # Made from a copy: a request writes what it decoded (the path) to its environ.
                request = WSGIRequest(environ.copy())  # reads nothing of the body
                EVERY_BYTE.decode(request.encoding or "utf-8", "replace")  # as a form is read
            except (ValueError, LookupError, SuspiciousOperation) as error:
                logger.warning("Bad Request: %s (%s)", environ.get("PATH_INFO", ""), error)
                start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
                return [UNREADABLE]
        return app(environ, start_response)

    return application


application = refusing_unreadable_content_types(get_wsgi_application())
