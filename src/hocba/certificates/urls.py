"""Pages of the certificates app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
