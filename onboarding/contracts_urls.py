"""Agreement pages, mounted at /agreements/ (namespace "contracts")."""

from django.urls import path

from . import contracts_views

app_name = "contracts"
urlpatterns = [
    path("", contracts_views.contract_list, name="list"),
    path("new/", contracts_views.issue, name="issue"),
    path("templates/", contracts_views.template_list, name="templates"),
    path("templates/new/", contracts_views.template_create, name="template_create"),
    path("templates/preview/", contracts_views.template_preview, name="template_preview"),
    path("templates/<int:pk>/", contracts_views.template_edit, name="template_edit"),
    path("<int:pk>/", contracts_views.contract_detail, name="detail"),
    path("<int:pk>/sign/", contracts_views.sign, name="sign"),
    path("<int:pk>/countersign/", contracts_views.countersign, name="countersign"),
    path("<int:pk>/renew/", contracts_views.renew, name="renew"),
    path("<int:pk>/document.pdf", contracts_views.document, name="document"),
    path("<int:pk>/signed.pdf", contracts_views.signed_document, name="signed_document"),
]
