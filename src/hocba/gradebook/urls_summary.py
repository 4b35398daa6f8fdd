"""The homeroom teacher's class summary (placeholder until it lands)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
