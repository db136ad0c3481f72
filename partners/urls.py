from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.partner_list, name="list"),
    path("mine/", views.my_organisation, name="mine"),
    path("<int:pk>/", views.partner_detail, name="detail"),
]
