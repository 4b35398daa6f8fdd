"""Pages of the certificates app."""

from django.urls import URLPattern, path

from hocba.certificates import views

urlpatterns: list[URLPattern] = [
    path("truong/<int:school_id>/chung-thu-so/", views.school_certificates,
         name="certificates_school"),
    path("chung-thu-so/cua-toi/", views.my_certificates, name="certificates_mine"),
    path("chung-thu-so/duyet/", views.approvals, name="certificates_approvals"),
    path("chung-thu-so/<int:pk>/duyet/", views.decide, name="certificates_decide"),
    path("chung-thu-so/<int:pk>/thu-hoi/", views.revoke, name="certificates_revoke"),
]
