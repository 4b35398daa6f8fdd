"""The public verification portal (no log-in): /tra-cuu is the address the printed QR holds
(settings.HOCBA_VERIFY_URL, with ``?ma=`` the look-up code; hocba.rendering.qr)."""

from django.urls import path

from hocba.verification import views

urlpatterns = [
    path("tra-cuu", views.portal, name="verification_portal"),
    path("tra-cuu/quet", views.scan, name="verification_scan"),
    path("tra-cuu/tep", views.upload, name="verification_upload"),
]
