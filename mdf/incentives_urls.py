"""Incentive pages, mounted at /incentives/ (namespace "incentives")."""

from django.urls import path

from . import incentives_views as views

app_name = "incentives"
urlpatterns = [
    path("", views.statement_list, name="statements"),
    path("statements/pay/", views.statements_pay, name="statements_pay"),
    path("statements/export.csv", views.statements_export, name="statements_export"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/approve/", views.statement_approve, name="statement_approve"),
    path("statements/<int:pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("statements/<int:pk>/statement.csv", views.statement_csv, name="statement_csv"),
    path("programs/", views.program_list, name="programs"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:pk>/", views.program_edit, name="program"),
    path("programs/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("calculator/", views.calculator, name="calculator"),
    path("deals/<int:pk>/calculator/", views.deal_calculator, name="deal_calculator"),
]
