from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """The append-only, Merkle-hashed log of every issue and revocation (RFC 9162 maths)."""

    name = "hocba.transparency"
    label = "transparency"
    verbose_name = "Nhật ký minh bạch"
