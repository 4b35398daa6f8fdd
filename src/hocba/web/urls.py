from django.urls import path

from hocba.web import views

urlpatterns = [path("", views.home, name="home")]
