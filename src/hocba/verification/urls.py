"""The public verification portal (no log-in). Owned by the portal work."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
