from django.urls import path

from hocba.roster import import_views, views

urlpatterns = [
    path("truong/", views.school_list, name="school_list"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("lop/<int:pk>/", views.class_detail, name="class_detail"),
    path("hoc-sinh/", views.student_list, name="student_list"),
    path("hoc-sinh/<int:pk>/", views.student_detail, name="student_detail"),
    path("giao-vien/", views.teacher_list, name="teacher_list"),
    path("nhap-excel/", import_views.import_home, name="import_home"),
]
