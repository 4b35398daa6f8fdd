"""The primary (TT 27/2020) gradebook: a class × subject over the year, and the GVCN's
class summary."""

from django.urls import URLPattern, path

from hocba.gradebook import primary_summary_views, primary_views

SHEET = "so-diem/tieu-hoc/lop/<int:class_id>/mon/<str:subject_code>/"

urlpatterns: list[URLPattern] = [
    path(SHEET, primary_views.sheet, name="gradebook_primary_sheet"),
    path(f"{SHEET}o/", primary_views.save_cell, name="gradebook_primary_save_cell"),
    path("so-diem/tieu-hoc/lop/<int:class_id>/tong-hop/", primary_summary_views.class_summary,
         name="gradebook_primary_summary"),
]
