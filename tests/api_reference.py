"""The JSON a list view answered when its rows came from its serializer (tests only).

practice.api_rows builds the rows of the busiest lists from `values()`. The view's
`serializer_class` stays the contract (the OpenAPI schema is generated from it): the
reference answer is that serializer over model instances, paged by Django's own paginator
(a COUNT then the page) and rendered by DRF, as the view did before. Tests compare the two
responses byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable

from rest_framework import mixins
from rest_framework.test import APIRequestFactory, force_authenticate

from practice.api_support import StandardPagination


def serializer_list_content(
    view_class,
    *,
    user,
    path: str,
    kwargs: dict | None = None,
    get_queryset: Callable | None = None,
    post: dict | None = None,
) -> tuple[int, bytes]:
    """(status, body) of `view_class` answering `path` for `user` the serializer's way.

    `get_queryset` replaces the view's when the view no longer has one of its own (the
    queryset it had); `post` sends those fields as a JSON POST (the search view)."""

    class Reference(view_class):
        pagination_class = StandardPagination

        def list(self, request, *args, **list_kwargs):
            return mixins.ListModelMixin.list(self, request, *args, **list_kwargs)

    if get_queryset is not None:
        Reference.get_queryset = get_queryset
    factory = APIRequestFactory()
    request = factory.post(path, post, format="json") if post is not None else factory.get(path)
    force_authenticate(request, user=user)
    response = Reference.as_view()(request, **(kwargs or {}))
    response.render()
    return response.status_code, response.content
