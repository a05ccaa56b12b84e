"""The authentication backend: Django's ModelBackend, taking the logged-in user from the row read
with this request's session (accounts.sessions), or else reading it through a compiled-once
statement (config.prepared), since every logged-in request loads its user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from accounts.sessions import current_store
from config.prepared import Prepared

User = get_user_model()

_by_pk = Prepared(lambda pk: User._default_manager.filter(pk=pk), pk=-918_273_645)


class PreparedModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        # The user read with this request's session row, when it is the one asked for.
        user = getattr(current_store.get(), "preloaded_user", None)
        if user is None or user.pk != pk:
            found = _by_pk.run(pk=pk)
            user = found[0] if found else None
        if user is not None and self.user_can_authenticate(user):
            return user
        return None
