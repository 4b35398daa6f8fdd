from django.apps import AppConfig


class SharingConfig(AppConfig):
    """Verification codes a student or parent chooses to share with a verifier."""

    name = "hocba.sharing"
    label = "sharing"
    verbose_name = "Chia sẻ học bạ"
