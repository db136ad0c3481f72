"""Due-diligence pages, mounted at /compliance/ (namespace "screening")."""

from django.urls import path

from . import screening_views

app_name = "screening"
urlpatterns = [
    path("", screening_views.review_list, name="reviews"),
    path("reviews/<int:pk>/", screening_views.review_detail, name="review"),
    path("hits/<int:pk>/decide/", screening_views.hit_decide, name="hit_decide"),
    path("lists/", screening_views.list_upload, name="lists"),
    path("lists/<int:pk>/", screening_views.list_detail, name="list_detail"),
    path("lists/<int:pk>/activate/", screening_views.list_activate, name="list_activate"),
    path("lists/<int:pk>/discard/", screening_views.list_discard, name="list_discard"),
    path("settings/", screening_views.settings_edit, name="settings"),
]
