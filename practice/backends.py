"""The password backend: Django's ModelBackend, loading the member and practice with the user.

Every signed-in request reads the user, then their membership (role, practice), the practice
(MFA rule, time zone) and whether they have a second-factor device: one query with the joins
and an EXISTS instead of five (#20).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MemberModelBackend(ModelBackend):
    def get_user(self, user_id):
        from practice.authentication import with_device_flag

        users = with_device_flag(get_user_model()._default_manager.select_related("membership__practice"))
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
