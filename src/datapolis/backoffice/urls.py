from django.urls import path

from datapolis.backoffice import harvest_views, preparation_views, views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.new_dataset, name="new"),
    path("uploads/<uuid:upload_id>/preview/", views.preview, name="preview"),
    path("uploads/<uuid:upload_id>/fields/", views.fields, name="fields"),
    path("uploads/<uuid:upload_id>/description/", views.metadata, name="metadata"),
    path("uploads/<uuid:upload_id>/import/", views.confirm, name="confirm"),
    path("uploads/<uuid:upload_id>/cancel/", views.cancel, name="cancel"),
    path("jobs/<int:job_id>/", views.job, name="job"),
    path("personal-data/", preparation_views.personal_data_register, name="personal_data_register"),
    path("datasets/<str:dataset_id>/", views.dataset, name="dataset"),
    path("datasets/<str:dataset_id>/description/", views.dataset_metadata, name="dataset_metadata"),
    path("datasets/<str:dataset_id>/fields/", views.dataset_fields, name="dataset_fields"),
    path("datasets/<str:dataset_id>/replace/", views.replace_data, name="replace"),
    path("datasets/<str:dataset_id>/publish/", views.dataset_publish, name="publish"),
    path("datasets/<str:dataset_id>/unpublish/", views.dataset_unpublish, name="unpublish"),
    path("datasets/<str:dataset_id>/versions/<int:number>/rollback/", views.dataset_rollback, name="rollback"),
    path("datasets/<str:dataset_id>/delete/", views.dataset_delete, name="delete"),
    path("datasets/<str:dataset_id>/compare/", preparation_views.compare, name="compare"),
    path("datasets/<str:dataset_id>/source/", preparation_views.source, name="dataset_source"),
    path("datasets/<str:dataset_id>/source/refresh/", preparation_views.refresh_now, name="dataset_refresh"),
    path("datasets/<str:dataset_id>/source/remove/", preparation_views.remove_source, name="dataset_source_remove"),
    path("datasets/<str:dataset_id>/steps/", preparation_views.steps, name="dataset_steps"),
    path("datasets/<str:dataset_id>/steps/preview/", preparation_views.steps_preview, name="dataset_steps_preview"),
    path("datasets/<str:dataset_id>/schema/", preparation_views.schema, name="dataset_schema"),
    path("datasets/<str:dataset_id>/schema/remove/", preparation_views.remove_schema, name="dataset_schema_remove"),
    path("datasets/<str:dataset_id>/personal-data/", preparation_views.personal_data, name="dataset_personal_data"),
    path(
        "datasets/<str:dataset_id>/personal-data/withdraw/",
        preparation_views.withdraw_personal_data,
        name="dataset_personal_data_withdraw",
    ),
    path("harvest/", harvest_views.sources, name="harvest"),
    path("harvest/add/", harvest_views.add_source, name="harvest_add"),
    path("harvest/sources/<slug:name>/", harvest_views.source, name="harvest_source"),
    path("harvest/sources/<slug:name>/run/", harvest_views.run_now, name="harvest_run"),
]
