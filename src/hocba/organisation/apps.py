from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "hocba.organisation"
    verbose_name = "Tổ chức"
