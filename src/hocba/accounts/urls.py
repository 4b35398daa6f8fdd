from django.urls import path

from hocba.accounts import role_views, views

urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("phan-quyen/", role_views.role_list, name="role_list"),
    path("phan-quyen/<int:pk>/thu-hoi/", role_views.role_revoke, name="role_revoke"),
    path("phan-quyen/giao-vien/<int:pk>/", role_views.teacher_account, name="teacher_account"),
]
