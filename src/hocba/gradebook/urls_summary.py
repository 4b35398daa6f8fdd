"""The homeroom teacher's class summary (TT 22 classes): conduct, absences, results."""

from django.urls import URLPattern, path

from hocba.gradebook import summary_views

urlpatterns: list[URLPattern] = [
    path("so-diem/lop/<int:class_id>/tong-hop/", summary_views.class_summary,
         name="gradebook_summary"),
]
