"""The password backend: Django's ModelBackend, loading the member and practice with the user.

Every signed-in request reads the user, then their membership (role, practice) and the
practice (MFA rule, time zone): one query with the joins instead of three (#20).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MemberModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("membership__practice").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
