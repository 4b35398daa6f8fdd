from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """Signing certificates of people and schools, and the Phòng/Sở approval of a school's."""

    name = "hocba.certificates"
    label = "certificates"
    verbose_name = "Chứng thư số"
