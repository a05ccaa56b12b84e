from .middleware import account_mark


def account(request):
    """`account_mark`: what the page's htmx requests say it was drawn for (OtherAccountMiddleware),
    worked out only where a template shows it (base.html, for a logged-in learner; a page of a
    request refused before the user was read, such as a form Django can't read, shows none)."""
    return {"account_mark": lambda: account_mark(request.user)}
