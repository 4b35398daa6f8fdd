from django.urls import path

from hocba.roster import import_views, move_views, views

urlpatterns = [
    path("truong/", views.school_list, name="school_list"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("lop/<int:pk>/", views.class_detail, name="class_detail"),
    path("hoc-sinh/", views.student_list, name="student_list"),
    path("hoc-sinh/<int:pk>/", views.student_detail, name="student_detail"),
    path("hoc-sinh/<int:pk>/chuyen/", move_views.student_move, name="student_move"),
    path("lop/<int:pk>/nhan-chuyen-den/", move_views.class_transfer_in,
         name="class_transfer_in"),
    path("giao-vien/", views.teacher_list, name="teacher_list"),
    path("nhap-excel/", import_views.import_home, name="import_home"),
    path("nhap-excel/mau/<slug:slug>.xlsx", import_views.import_template, name="import_template"),
    path("nhap-excel/loi/<slug:token>.xlsx", import_views.import_errors, name="import_errors"),
]
