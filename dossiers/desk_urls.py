"""The staff desk's pages, under ``/can-bo/`` (``dossiers/views/desk/``)."""

from django.urls import path

from dossiers.views.desk import counter, dossier, guidance, queues

urlpatterns = [
    # queues (dossiers/views/desk/queues.py)
    path("", queues.desk_home, name="desk"),
    path("hang-doi/<slug:queue>/", queues.queue_page, name="desk-queue"),
    path("hang-doi/<slug:queue>/hang-loat/", queues.queue_bulk, name="desk-queue-bulk"),
    path("in-giay-tiep-nhan/", queues.receipts_print, name="desk-receipts"),
    # counter reception (dossiers/views/desk/counter.py)
    path("tiep-nhan/", counter.counter_start, name="desk-counter"),
    path("tiep-nhan/nguoi-nop/", counter.counter_applicant, name="desk-counter-applicant"),
    path("tiep-nhan/<str:code>/", counter.counter_form, name="desk-counter-form"),
    # the guidance slip of an incomplete dossier (dossiers/views/desk/guidance.py)
    path("huong-dan/<str:code>/", guidance.guidance_slip, name="desk-guidance"),
    # one dossier (dossiers/views/desk/dossier.py)
    path("ho-so/<int:id>/", dossier.dossier_page, name="desk-dossier"),
    path("ho-so/<int:id>/thao-tac/<slug:action>/", dossier.dossier_action, name="desk-dossier-action"),
    path("ho-so/<int:id>/tai-lieu/<int:document_id>/", dossier.document_preview, name="desk-document"),
    path("ho-so/<int:id>/phieu/<str:form>/", dossier.slip_page, name="desk-slip"),
]
