"""The person's notifications page (placeholder: being written)."""

urlpatterns: list = []
