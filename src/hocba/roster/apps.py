from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "hocba.roster"
    verbose_name = "Hồ sơ học sinh"
