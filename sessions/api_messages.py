"""Messages between a client and their care team: the client's thread (`/me/messages/`) and
the staff view of it (`/clients/{id}/messages/`), with read receipts for the care team.

Client messages are risk-screened in the request (sessions.services.checkins.message_send).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from practice.permissions import IsClientUser
from sessions.api_homework import (
    RISK_KEYS,
    ClinicalOnly,
    attempt,
    audit_read,
    portal_client,
    staff_client,
    with_risk,
)
from sessions.models import Message
from sessions.services import checkins as checkin_services


class MessageSerializer(serializers.ModelSerializer):
    sender_name = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = (
            "id",
            "client",
            "from_client",
            "sender_name",
            "body",
            "created_at",
            "read_at",
        )

    def get_sender_name(self, message) -> str:
        return message.sender.get_full_name() or ("You" if message.from_client else "Your therapist")


class MessageWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=checkin_services.MESSAGE_MAX_LENGTH)


class MessageThreadMixin:
    serializer_class = MessageSerializer
    queryset = Message.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return Message.objects.filter(client=self.thread_client).select_related("sender").order_by("-created_at", "-id")

    def send(self, request, client: Client) -> Response:
        body = request.data.get("body") if isinstance(request.data, dict) else None
        result, failed = attempt(checkin_services.message_send, client=client, actor=request.user, body=body)
        if failed:
            return failed
        message, outcome = result
        return Response(
            with_risk(dict(MessageSerializer(message).data), outcome),
            status=status.HTTP_201_CREATED,
        )


class MyMessagesView(MessageThreadMixin, generics.ListAPIView):
    permission_classes = (IsClientUser,)

    def get(self, request, *args, **kwargs):
        self.thread_client = portal_client(request)
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=MessageWriteSerializer,
        responses={201: MessageSerializer, 400: RISK_KEYS},
    )
    def post(self, request):
        return self.send(request, portal_client(request))


class ClientMessagesView(MessageThreadMixin, generics.ListAPIView):
    permission_classes = (ClinicalOnly,)

    def get(self, request, pk):
        self.thread_client = staff_client(request, pk)
        response = super().get(request, pk)
        audit_read(request.user, self.thread_client.pk, "clinical_sessions.message", ["body"])
        return response

    @extend_schema(request=MessageWriteSerializer, responses={201: MessageSerializer})
    def post(self, request, pk):
        return self.send(request, staff_client(request, pk, write=True))


class ClientMessagesReadView(APIView):
    """The care team marks the client's messages as read (the client sees "Read")."""

    permission_classes = (ClinicalOnly,)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("MessagesMarkedRead", {"marked": serializers.IntegerField()})},
    )
    def post(self, request, pk):
        client = staff_client(request, pk, write=True)
        return Response({"marked": checkin_services.messages_mark_read(client=client, actor=request.user)})
