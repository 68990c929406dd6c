from django.urls import path

from heli.tracking import board, dashboards, exports, pickers, task_page, views

app_name = "tracking"

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/units/", views.unit_options, name="unit_options"),
    path("tasks/pick/parents/", pickers.parent_search, name="picker_parents"),
    path("tasks/pick/parent/", pickers.parent_chosen, name="picker_parent_chosen"),
    path("tasks/pick/groups/", pickers.unit_groups, name="picker_groups"),
    path("tasks/export/", exports.task_list_export, name="task_export"),
    path("wallchart/", board.wallchart, name="wallchart"),
    path("wallchart/export/", exports.wallchart_export, name="wallchart_export"),
    path("board/", board.status_board, name="board"),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/data.json", dashboards.dashboard_json, name="dashboard_data"),
    path("tasks/waiting/", views.waiting, name="waiting"),
    path("tasks/<int:pk>/", task_page.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/report/", task_page.task_report, name="task_report"),
    path("tasks/<int:pk>/deadline/", task_page.deadline_change, name="deadline_change"),
    path("tasks/<int:pk>/extension/", task_page.extension_request, name="extension_request"),
    path(
        "tasks/<int:pk>/extension/<int:extension_pk>/",
        task_page.extension_decide,
        name="extension_decide",
    ),
    path("tasks/<int:pk>/<slug:step>/", task_page.task_step, name="task_step"),
]
