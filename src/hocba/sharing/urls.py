"""The holder's shared verification codes (student or parent)."""

from django.urls import path

from hocba.sharing import views

urlpatterns = [
    path("chia-se-hoc-ba/", views.home, name="sharing_home"),
    path("chia-se-hoc-ba/<uuid:code>/tao-ma/", views.create, name="sharing_create"),
    path("chia-se-hoc-ba/ma/<int:pk>/thu-hoi/", views.withdraw, name="sharing_withdraw"),
]
