"""Excel round trip of a class × subject score sheet: download, and upload back."""

from django.urls import URLPattern, path

from hocba.gradebook import excel_views

SHEET = "so-diem/lop/<int:class_id>/mon/<str:subject_code>/hk/<int:term>/"

urlpatterns: list[URLPattern] = [
    path(f"{SHEET}excel/", excel_views.export, name="gradebook_excel_export"),
    path(f"{SHEET}excel/nhap/", excel_views.import_page, name="gradebook_excel_import"),
]
