"""Screenshots of the real app for the README: `make screenshots` (or this file with the venv's
Python) writes docs/screenshots/roadmap.png and dashboard.png.

It builds a throwaway SQLite database with the roadmap and a demo learner who has done some
milestones over the last weeks, serves it with `runserver` on a free port of 127.0.0.1 and takes
the pictures in Chromium (CHROMIUM_PATH, or Debian's /usr/bin/chromium).
"""

import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_learner():
    """A learner following ML Engineer, seven milestones done over six weeks, one in progress."""
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from roadmap import progress
    from roadmap.models import Enrollment, Milestone, Track

    user = User.objects.create_user("ada", "ada@example.com", display_name="Ada")
    Enrollment.objects.create(user=user, track=Track.objects.get(slug="ml-engineer"))
    milestones = list(Milestone.objects.active().order_by("section__position", "position"))
    now = timezone.now()
    for days, milestone in zip((40, 33, 26, 19, 12, 5, 1), milestones, strict=False):
        when = now - datetime.timedelta(days=days)
        progress.set_status(user=user, milestone=milestone, status="done", now=when)
    progress.set_status(user=user, milestone=milestones[7], status="in_progress")
    progress.save_details(
        user=user,
        milestone=milestones[7],
        note="Notebook draft on the wine data.",
        evidence_url="https://github.com/ada/wine-notebook",
    )
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def main():
    from playwright.sync_api import sync_playwright

    workdir = tempfile.mkdtemp(prefix="next-steps-screenshots-")
    os.environ.update(
        DEBUG="1", DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3", ALLOWED_HOSTS="127.0.0.1"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True, cwd=BASE_DIR)
    subprocess.run([*manage, "load_roadmap"], check=True, cwd=BASE_DIR, capture_output=True)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    session = demo_learner()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/")
            page.locator("#my-progress").scroll_into_view_if_needed()
            page.evaluate(
                "window.scrollTo(0, document.querySelector('#my-progress').offsetTop - 16)"
            )
            page.screenshot(path=OUT / "roadmap.png")
            page.goto(f"{base}/dashboard/")
            page.screenshot(path=OUT / "dashboard.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for name in ("roadmap.png", "dashboard.png"):
        print(f"Wrote {(OUT / name).relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
