from django.urls import include, path

from hocba.gradebook import views

SHEET = "so-diem/lop/<int:class_id>/mon/<str:subject_code>/hk/<int:term>/"

urlpatterns = [
    path("so-diem/", views.home, name="gradebook_home"),
    path(SHEET, views.sheet, name="gradebook_sheet"),
    path(f"{SHEET}o/", views.save_cell, name="gradebook_save_cell"),
    path("so-diem/khoa/", views.locks, name="gradebook_locks"),
    path("so-diem/de-nghi/<int:pk>/", views.decide, name="gradebook_decide"),
    path("", include("hocba.gradebook.urls_excel")),
    path("", include("hocba.gradebook.urls_summary")),
    path("", include("hocba.gradebook.urls_primary")),
]
