from django.urls import path

from . import crm_views

app_name = "crm"
urlpatterns = [
    path("", crm_views.account_list, name="accounts"),
    path("opportunities/", crm_views.opportunity_list, name="opportunities"),
    path("imports/", crm_views.import_list, name="imports"),
    path("imports/new/", crm_views.import_upload, name="import"),
    path("imports/<int:pk>/", crm_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/apply/", crm_views.import_apply, name="import_apply"),
    path("imports/<int:pk>/discard/", crm_views.import_discard, name="import_discard"),
]
