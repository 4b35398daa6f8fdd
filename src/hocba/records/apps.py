from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "hocba.records"
    verbose_name = "Học bạ số"
