from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from practice.errors import DomainError
from practice.services import practice_create


class Command(BaseCommand):
    help = 'Create a practice: create_practice --name "Northside Therapy" --slug northside'

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=False)

    def handle(self, *args, name, slug=None, **options):
        slug = slug or slugify(name)
        if not slug or slug != slugify(slug):
            raise CommandError("--slug must contain only lowercase letters, numbers and hyphens")
        try:
            practice = practice_create(name=name, slug=slug)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(str(practice.pk))
