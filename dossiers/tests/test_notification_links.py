"""A notice on the notifications page leads to its dossier (issue 12, point 7): a staff reminder to the desk's page,
a citizen's notice of a step to their own page; opening it marks it read."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.tests.factories import file_online
from notifications.models import Kind
from notifications.tests.test_api import notice

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_opening_leads_to_the_dossier_and_marks_read(world):
    dossier = file_online(world.citizen, world.centre)
    reminder = notice(world.handler, Kind.OVERDUE, dossier=dossier)
    step = notice(world.citizen, Kind.FILED, dossier=dossier)
    staff = client_for(world.handler).post(reverse("notification-open", kwargs={"id": reminder.pk}))
    assert staff.url == reverse("desk-dossier", kwargs={"id": dossier.pk})
    citizen = client_for(world.citizen).post(reverse("notification-open", kwargs={"id": step.pk}))
    assert citizen.url == reverse("my-dossier", kwargs={"id": dossier.pk})
    reminder.refresh_from_db()
    assert reminder.read_at is not None
