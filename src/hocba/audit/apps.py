from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "hocba.audit"
    verbose_name = "Nhật ký"

    def ready(self) -> None:
        from hocba.audit import signals

        signals.connect()
