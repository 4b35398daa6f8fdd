"""The holder's shared verification codes (student or parent). Owned by the portal work."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
