from django.urls import path

from legacy import views

urlpatterns = [path("can-bo/chuyen-tiep/", views.review_queue, name="legacy-review")]
