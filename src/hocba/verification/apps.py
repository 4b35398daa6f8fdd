from django.apps import AppConfig


class VerificationConfig(AppConfig):
    """Anyone checks a học bạ: by look-up code and a second factor, or by its file."""

    name = "hocba.verification"
    label = "verification"
    verbose_name = "Xác thực học bạ"
