"""The authentication backend: Django's ModelBackend, reading the logged-in user through a
compiled-once statement (config.prepared), since every logged-in request loads its user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from config.prepared import Prepared

User = get_user_model()

_by_pk = Prepared(lambda pk: User._default_manager.filter(pk=pk), pk=-918_273_645)


class PreparedModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = _by_pk.run(pk=pk)
        if found and self.user_can_authenticate(found[0]):
            return found[0]
        return None
