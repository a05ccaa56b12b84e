"""Requests made by a process whose database is down (run by tests/test_outages.py).

Run as `python -m tests.database_down` with DATABASE_URL pointing where nothing listens, or at a
server that never answers: reads a JSON list of requests on standard input, writes their answers
(and the seconds each took) as JSON on standard output, and logs as the app does, to standard
error.
"""

import json
import os
import sys
import time


def main():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()  # the test client's host name is allowed
    answers = []
    with override_settings(
        STORAGES={
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
    ):
        for asked in json.load(sys.stdin):
            client = Client(raise_request_exception=False)
            client.cookies.load(asked.get("cookies", {}))
            began = time.monotonic()
            response = client.generic(
                asked.get("method", "GET"),
                asked["path"],
                data=asked.get("data", ""),
                content_type="application/x-www-form-urlencoded",
                headers=asked.get("headers"),
            )
            answers.append(
                {
                    "status": response.status_code,
                    "headers": dict(response.items()),
                    "cookies": {name: cookie.value for name, cookie in response.cookies.items()},
                    "body": response.content.decode(),
                    "seconds": time.monotonic() - began,
                }
            )
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
