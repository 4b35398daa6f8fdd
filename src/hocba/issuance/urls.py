"""Pages of the issuance app: signing a class or a school, a job's progress, a record's
chain, revocation and correction."""

from django.urls import URLPattern, path

from hocba.issuance import views

urlpatterns: list[URLPattern] = [
    path("ky-hoc-ba/lop/<int:class_id>/", views.class_signing, name="issuance_class"),
    path("ky-hoc-ba/lop/<int:class_id>/ky/", views.sign_class, name="issuance_sign_class"),
    path("ky-hoc-ba/truong/<int:school_id>/<int:year_id>/", views.school_signing,
         name="issuance_school"),
    path("ky-hoc-ba/truong/<int:school_id>/<int:year_id>/ky/", views.sign_school,
         name="issuance_sign_school"),
    path("ky-hoc-ba/luot/<int:job_id>/", views.job_page, name="issuance_job"),
    path("ky-hoc-ba/luot/<int:job_id>/tien-do.json", views.job_progress,
         name="issuance_job_progress"),
    path("ky-hoc-ba/chinh-ly/", views.corrections, name="issuance_corrections"),
    path("ky-hoc-ba/chinh-ly/<int:request_id>/quyet-dinh/", views.decide_correction,
         name="issuance_decide_correction"),
    path("ky-hoc-ba/hoc-ba/<str:code>/", views.record_chain, name="issuance_record"),
    path("ky-hoc-ba/hoc-ba/<str:code>/ban-dang-ky.pdf", views.current_pdf,
         name="issuance_current_pdf"),
    path("ky-hoc-ba/hoc-ba/<str:code>/ban-dang-ky.xml", views.current_xml,
         name="issuance_current_xml"),
    path("ky-hoc-ba/hoc-ba/<str:code>/tra-lai/", views.return_record, name="issuance_return"),
    path("ky-hoc-ba/hoc-ba/<str:code>/thu-hoi/", views.revoke, name="issuance_revoke"),
    path("ky-hoc-ba/hoc-ba/<str:code>/de-nghi-chinh-ly/", views.request_correction,
         name="issuance_request_correction"),
]
