from django.urls import path

from . import training_views as views

app_name = "training"
urlpatterns = [
    # Partners: learning.
    path("", views.my_learning, name="my_learning"),
    path("courses/<int:pk>/learn/", views.course_player, name="player"),
    path("courses/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("courses/<int:pk>/restart/", views.course_restart, name="restart"),
    path("modules/<int:pk>/complete/", views.module_complete, name="module_complete"),
    path("modules/<int:pk>/file/", views.module_file, name="module_file"),
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    # Staff: authoring and reporting.
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/status/", views.course_status, name="course_status"),
    path("courses/<int:pk>/modules/new/", views.module_add, name="module_add"),
    path("modules/<int:pk>/edit/", views.module_edit, name="module_edit"),
    path("modules/<int:pk>/move/", views.module_move, name="module_move"),
    path("modules/<int:pk>/delete/", views.module_delete, name="module_delete"),
    path("courses/<int:pk>/questions/new/", views.question_add, name="question_add"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("paths/", views.path_list, name="paths"),
    path("paths/new/", views.path_create, name="path_create"),
    path("paths/<int:pk>/", views.path_edit, name="path_edit"),
    path("paths/<int:pk>/delete/", views.path_delete, name="path_delete"),
    path("report/", views.report, name="report"),
]
