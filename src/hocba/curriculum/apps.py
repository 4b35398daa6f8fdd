from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "hocba.curriculum"
    verbose_name = "Chương trình"
