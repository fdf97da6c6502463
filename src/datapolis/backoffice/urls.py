from django.urls import path

from datapolis.backoffice import harvest_views, views

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
    path("datasets/<str:dataset_id>/", views.dataset, name="dataset"),
    path("datasets/<str:dataset_id>/description/", views.dataset_metadata, name="dataset_metadata"),
    path("datasets/<str:dataset_id>/fields/", views.dataset_fields, name="dataset_fields"),
    path("datasets/<str:dataset_id>/replace/", views.replace_data, name="replace"),
    path("datasets/<str:dataset_id>/publish/", views.dataset_publish, name="publish"),
    path("datasets/<str:dataset_id>/unpublish/", views.dataset_unpublish, name="unpublish"),
    path("datasets/<str:dataset_id>/versions/<int:number>/rollback/", views.dataset_rollback, name="rollback"),
    path("datasets/<str:dataset_id>/delete/", views.dataset_delete, name="delete"),
    path("harvest/", harvest_views.sources, name="harvest"),
    path("harvest/add/", harvest_views.add_source, name="harvest_add"),
    path("harvest/sources/<slug:name>/", harvest_views.source, name="harvest_source"),
    path("harvest/sources/<slug:name>/run/", harvest_views.run_now, name="harvest_run"),
]
