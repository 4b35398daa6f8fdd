"""Học bạ pages and downloads."""

from django.urls import URLPattern, path

from hocba.records import views

urlpatterns: list[URLPattern] = [
    path("hoc-ba/lop/<int:class_id>/", views.class_records, name="records_class"),
    path("hoc-ba/lop/<int:class_id>/tao/", views.compose_class, name="records_compose"),
    path("hoc-ba/lop/<int:class_id>/tai-ve.<str:fmt>.zip", views.download_class,
         name="records_class_zip"),
    path("hoc-ba/<str:code>/", views.record_page, name="records_record"),
    path("hoc-ba/<str:code>/so-hoc-ba.pdf", views.download_book, name="records_book_pdf"),
    path("hoc-ba/<str:code>/tai-ve.<str:fmt>", views.download, name="records_download"),
]
