"""The WSGI application, for servers that speak WSGI."""

import codecs
import logging
import os

from django.core.exceptions import SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger("django.request")

UNREADABLE = b"This request's Content-Type header could not be read. This site reads text as UTF-8."


def refusing_unreadable_content_types(app):
    """`app`, answering 400 to a request whose Content-Type Django can't read, or names a
    charset other than UTF-8.

    Django reads the header's parameters as it makes the request, before any middleware, and
    then reads the query string in the charset the header names: a malformed parameter, a
    charset that is no text encoding ("rot13", "hex"), or too many fields in the query string,
    was a bare 500 from the server, from anyone, on any URL. So was a form in a charset that
    can't stand for bytes it doesn't know ("idna", "punycode"), once read, and a query string
    in one that can't write again the "\ufffd" it read them as ("ascii", "cp1252"), once a
    view wrote a link from it; a form in another single-byte charset was stored garbled. The
    pages send UTF-8 and nothing else. A Content-Type without parameters is read as before."""

    def application(environ, start_response):
        if ";" in environ.get("CONTENT_TYPE", ""):
            try:
                # Made from a copy: a request writes what it decoded (the path) to its environ.
                request = WSGIRequest(environ.copy())  # reads nothing of the body
                if request.encoding and codecs.lookup(request.encoding).name != "utf-8":
                    raise ValueError(f"a charset other than UTF-8: {request.encoding}")
            except (ValueError, LookupError, SuspiciousOperation) as error:
                # Written on one line whatever they hold, as Django logs a request's path.
                said = (environ.get("PATH_INFO", ""), str(error))
                said = [text.encode("unicode_escape").decode("ascii") for text in said]
                logger.warning("Bad Request: %s (%s)", *said)
                start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
                return [UNREADABLE]
        return app(environ, start_response)

    return application


application = refusing_unreadable_content_types(get_wsgi_application())
