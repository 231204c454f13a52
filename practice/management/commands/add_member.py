from django.core.management.base import BaseCommand, CommandError

from practice.errors import DomainError
from practice.models import Practice
from practice.services import member_add


class Command(BaseCommand):
    help = "Add a staff member to a practice and print the new member's id."

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True, help="Practice slug")
        parser.add_argument("--role", required=True, choices=["therapist", "manager", "admin"])
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, **options):
        practice = Practice.objects.filter(slug=options["practice"]).first()
        if practice is None:
            raise CommandError(f"No practice with slug {options['practice']!r}")
        try:
            membership = member_add(
                practice=practice,
                role=options["role"],
                email=options["email"],
                password=options["password"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except DomainError as error:
            raise CommandError(f"{error.field or 'error'}: {error.message}") from error
        self.stdout.write(str(membership.pk))
