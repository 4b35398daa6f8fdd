"""Pages of the issuance app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
