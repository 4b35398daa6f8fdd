"""Excel round trip of a class × subject score sheet (placeholder until it lands)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
