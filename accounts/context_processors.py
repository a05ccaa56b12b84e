from functools import partial

from .middleware import account_mark


def account(request):
    """`account_mark`: what the page's htmx requests say it was drawn for (OtherAccountMiddleware),
    worked out only where a template shows it (base.html, for a logged-in learner)."""
    return {"account_mark": partial(account_mark, request.user)}
