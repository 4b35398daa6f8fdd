from django.urls import path

from hocba.audit import views

urlpatterns = [path("nhat-ky/", views.event_list, name="audit_log")]
