"""A note being written when the learner's session ended (it expired, or they logged out on
another tab) is not lost: posted without a session, it is kept in the browser's new session,
unsaved, and offered once in its editor when the same learner has logged in again.

Whose it is comes with the form: the signed id of the learner the editor was opened for (and of
their password: a new one ends it, as it ends their sessions). It is offered to that account only,
not to the next person who logs in on a shared computer, and a post without it (a made-up
request) keeps nothing.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from accounts.limits import client_address, over_limit

from .models import NOTE_LENGTH, URL_LENGTH, Milestone
from .validators import note_text

KEY = "note_draft"  # in the session: {author, slug, note, evidence_url}
SALT = "roadmap.drafts"
KEPT = "Your session had ended, so your note is not saved yet. Log in: it waits for you to save it."


def author(user):
    """Whose a note is: the account, as long as its password is the same (a password Django
    hashes anew at the login, after an upgrade of its hasher, ends it too), without showing the
    sessions' own check of it."""
    return [user.pk, salted_hmac(SALT, user.get_session_auth_hash()).hexdigest()]


def author_token(user):
    """For the note form: who it was opened for, signed, for as long as a session lasts."""
    return signing.dumps(author(user), salt=SALT)


def keep(request, slug):
    """Keep the note posted to the milestone `slug` for its author; whether it was kept. As
    many an hour from one client address as sign-ups: each is a session stored."""
    try:
        whose = signing.loads(
            request.POST.get("author", ""), salt=SALT, max_age=settings.SESSION_COOKIE_AGE
        )
    except signing.BadSignature:  # and SignatureExpired
        return False
    if over_limit("note-draft", client_address(request), settings.SIGNUPS_PER_HOUR):
        return False
    if not Milestone.objects.active().filter(slug=slug).exists():
        return False
    request.session[KEY] = {
        "author": whose,
        "slug": slug,
        "note": note_text(request.POST.get("note", ""))[:NOTE_LENGTH],  # as the form counts
        "evidence_url": request.POST.get("evidence_url", "")[:URL_LENGTH],
        # What its editor opened with: one saved in another tab since is not overwritten.
        "opened_with": request.POST.get("opened_with", "")[:64],
    }
    return True


def take(request, slug):
    """The note kept for this learner on the milestone `slug`, once; else None. One kept for
    another account is dropped."""
    draft = request.session.get(KEY)
    if not isinstance(draft, dict) or draft.get("author") != author(request.user):
        request.session.pop(KEY, None)
        return None
    if draft.get("slug") != slug:
        return None
    del request.session[KEY]
    return {name: draft.get(name, "") for name in ("note", "evidence_url", "opened_with")}


def opened_for(request, user):
    """Whether the note form posted was opened for `user`, or doesn't say (an older page): one
    left open on a shared computer, after another learner logged in, is not."""
    token = request.POST.get("author")
    try:
        return not token or signing.loads(token, salt=SALT)[0] == user.pk
    except (signing.BadSignature, TypeError, IndexError, KeyError):
        return False
