"""Messages between a client and their care team: the client's thread (`/me/messages/`) and
the staff view of it (`/clients/{id}/messages/`), with read receipts for the care team.

Client messages are risk-screened in the request (sessions.services.checkins.message_send).
The thread comes from `sessions.selectors` (`messages_for_client` records the staff read,
`message_thread` is the client's own); the client from `clients.selectors`.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from clients.selectors import client_for_portal, client_for_read, client_for_write
from practice.permissions import IsClientUser
from sessions import selectors
from sessions.api_homework import RISK_KEYS, ClinicalOnly, attempt, with_risk
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
        return self.thread()

    def thread(self):
        raise NotImplementedError

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

    def thread(self):
        return selectors.message_thread(client=client_for_portal(user=self.request.user))

    @extend_schema(
        request=MessageWriteSerializer,
        responses={201: MessageSerializer, 400: RISK_KEYS},
    )
    def post(self, request):
        return self.send(request, client_for_portal(user=request.user))


class ClientMessagesView(MessageThreadMixin, generics.ListAPIView):
    permission_classes = (ClinicalOnly,)

    def thread(self):
        client = client_for_read(user=self.request.user, client_id=self.kwargs["pk"])
        return selectors.messages_for_client(client=client, actor=self.request.user)

    @extend_schema(request=MessageWriteSerializer, responses={201: MessageSerializer})
    def post(self, request, pk):
        return self.send(request, client_for_write(user=request.user, client_id=pk))


class ClientMessagesReadView(APIView):
    """The care team marks the client's messages as read (the client sees "Read")."""

    permission_classes = (ClinicalOnly,)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("MessagesMarkedRead", {"marked": serializers.IntegerField()})},
    )
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        return Response({"marked": checkin_services.messages_mark_read(client=client, actor=request.user)})
