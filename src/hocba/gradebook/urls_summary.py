"""The homeroom teacher's class summary (TT 22 classes): conduct, absences, results; and the
summer after the year: summer training and re-evaluation (TT 22/2021 Điều 13, 14)."""

from django.urls import URLPattern, path

from hocba.gradebook import reassessment_views, summary_views

urlpatterns: list[URLPattern] = [
    path("so-diem/lop/<int:class_id>/tong-hop/", summary_views.class_summary,
         name="gradebook_summary"),
    path("so-diem/lop/<int:class_id>/tong-hop/sau-he/", reassessment_views.after_year,
         name="gradebook_after_year"),
]
