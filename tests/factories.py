from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from clients.models import Client
from practice.models import Membership, Practice, User
from sessions.models import CheckIn, HomeworkAssignment, HomeworkTemplate, ProgressNote, Session


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = "therapist"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.LazyAttribute(
        lambda o: o.primary_therapist.practice if o.primary_therapist else PracticeFactory()
    )
    primary_therapist = factory.SubFactory(MembershipFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1990, 5, 17)
    email = factory.Sequence(lambda n: f"client{n}@example.org")
    status = Client.Status.ACTIVE
    intake_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    client = factory.SubFactory(ClientFactory)
    therapist = factory.LazyAttribute(lambda o: o.client.primary_therapist)
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    duration_minutes = 50
    status = Session.Status.ATTENDED


class ProgressNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressNote

    client = factory.SubFactory(ClientFactory)
    author = factory.LazyAttribute(lambda o: o.client.primary_therapist.user)
    format = "dap"
    sections = factory.LazyFunction(
        lambda: {"data": "Client reported a hard week.", "assessment": "Stable.", "plan": "Continue."}
    )


class HomeworkTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HomeworkTemplate

    practice = factory.SubFactory(PracticeFactory)
    title = factory.Sequence(lambda n: f"Journal {n}")
    kind = "journal"
    description = "Write about your day."


class HomeworkAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HomeworkAssignment

    client = factory.SubFactory(ClientFactory)
    title = "Daily journal"
    kind = "journal"
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    client = factory.SubFactory(ClientFactory)
    mood = 6
