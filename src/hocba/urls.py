from django.contrib import admin
from django.urls import include, path

from hocba.api import api

admin.site.site_header = "hocba — quản trị"
admin.site.site_title = "hocba"

urlpatterns = [
    path("quan-tri/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("hocba.accounts.urls")),
    path("", include("hocba.web.urls")),
    path("", include("hocba.roster.urls")),
    path("", include("hocba.audit.urls")),
    path("", include("hocba.gradebook.urls")),
    path("", include("hocba.records.urls")),
    path("", include("hocba.certificates.urls")),
    path("", include("hocba.issuance.urls")),
    path("", include("hocba.sharing.urls")),
    path("", include("hocba.verification.urls")),
    path("", include("hocba.transparency.urls")),
]

handler403 = "hocba.web.views.error_403"
handler404 = "hocba.web.views.error_404"
handler500 = "hocba.web.views.error_500"
