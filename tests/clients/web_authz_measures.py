"""Web-matrix rows for the measures pages of issue 16 (spliced into tests/clients/test_web_authz.py)."""

from __future__ import annotations

from clients.models import ProgressReport
from tests.web_authz import CLIENTS, WebRow, only

EDITORS = ("therapist", "supervisor", "colleague", "outsider")


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


def give_phq9(ctx):
    return {"pk": ctx["client"].pk, "instrument": "phq9"}


def shared_report(ctx):
    report = ProgressReport.objects.create(
        client=ctx["client"], content={"measures": [], "goals": [], "homework": {}}, shared_at=ctx["client"].created_at
    )
    return {"report_id": report.pk}


MEASURE_ROWS = [
    WebRow("measure-give", "get", only(200, "therapist", supervisor=403), kwargs=give_phq9),
    WebRow(
        "measure-give",
        "post",
        only(201, "therapist", supervisor=403),
        kwargs=give_phq9,
        data=lambda ctx: {f"item{number}": "1" for number in range(1, 10)},
    ),
    WebRow(
        "kiosk-start",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        data=lambda ctx: {"instrument": "phq9"},
    ),
    # Without a kiosk open in the browser session there is no kiosk page; leaving one is a no-op.
    WebRow("kiosk", "get", only(404)),
    WebRow("kiosk", "post", only(404), data=lambda ctx: {"item1": "1"}),
    WebRow("kiosk-exit", "get", only(302, *EDITORS)),
    WebRow("kiosk-exit", "post", only(302, *EDITORS), data=lambda ctx: {"password": "x"}),
    WebRow("measurement-protocol", "get", only(200, *EDITORS, "admin")),
    WebRow(
        "measurement-protocol",
        "post",
        only(302, *EDITORS, "admin"),
        data=lambda ctx: {"action": "window", "opens_before_hours": "24"},
    ),
    WebRow("progress-report", "get", only(200, "therapist", "supervisor"), kwargs=client_pk),
    WebRow(
        "progress-report",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        data=lambda ctx: {"action": "share", "comment": "Good progress on sleep."},
    ),
    WebRow("portal-reports", "get", only(200, *CLIENTS)),
    WebRow("portal-report", "get", only(200, "client_user"), kwargs=shared_report),
]
