from rest_framework.routers import SimpleRouter

from notifications.api.views import MyNotificationViewSet

router = SimpleRouter()
router.register("me/notifications", MyNotificationViewSet, basename="my-notification")

urlpatterns = router.urls
