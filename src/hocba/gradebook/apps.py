from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "hocba.gradebook"
    verbose_name = "Sổ theo dõi và đánh giá"
