"""Set an account's password from the operator's shell, the way every password change goes:
validated, audited, the account's API tokens revoked and its web sessions ended.

Use this rather than Django's `changepassword`, which revokes nothing.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from practice.errors import DomainError
from practice.services import password_set


class Command(BaseCommand):
    help = "Set a user's password (read from the terminal, or from stdin when piped)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user with email {options['email']!r}")
        if sys.stdin.isatty():
            password = getpass.getpass("New password: ")
            if getpass.getpass("Again: ") != password:
                raise CommandError("The passwords do not match.")
        else:
            password = sys.stdin.readline().rstrip("\n")
        try:
            password_set(user=user, raw_password=password, actor=None)
        except DomainError as error:
            raise CommandError(f"{error.field or 'error'}: {error.message}") from error
        self.stdout.write("Password set; the account's API tokens are revoked and its sessions ended.")
