"""Fund owners' and finance's MDF pages, mounted at /mdf/ (namespace "mdf_finance")."""

from django.urls import path

from . import finance_views

app_name = "mdf_finance"
urlpatterns = [
    path("funds/", finance_views.funds, name="funds"),
    path("funds/new/", finance_views.fund_create, name="fund_create"),
    path("funds/<int:pk>/", finance_views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/allocate/", finance_views.fund_allocate, name="fund_allocate"),
    path(
        "funds/<int:pk>/allocate-by-tier/",
        finance_views.fund_allocate_by_tier,
        name="fund_allocate_by_tier",
    ),
    path("funds/<int:pk>/accrual/", finance_views.fund_run_accrual, name="fund_run_accrual"),
    path("funds/<int:pk>/accrual.csv", finance_views.fund_accrual_csv, name="fund_accrual_csv"),
    path("payouts/", finance_views.payouts, name="payouts"),
    path("payouts/pay/", finance_views.payouts_pay_batch, name="payouts_pay_batch"),
    path("payouts/claims/<int:pk>/pay/", finance_views.payouts_pay_claim, name="payouts_pay_claim"),
    path("payouts/payable.csv", finance_views.payable_csv, name="payable_csv"),
    path("payouts/batches/<int:pk>.csv", finance_views.batch_csv, name="batch_csv"),
    path("roi/", finance_views.roi_page, name="roi"),
    path("settings/", finance_views.program_settings_page, name="settings"),
]
