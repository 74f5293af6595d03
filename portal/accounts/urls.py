"""Account pages: register, log in and out, password reset and change, profile."""

from django.urls import path

from portal.accounts import views

urlpatterns = [
    path("tai-khoan/dang-nhap/", views.login, name="login"),
    path("tai-khoan/dang-xuat/", views.logout, name="logout"),
    path("tai-khoan/dang-ky/", views.register, name="register"),
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tai-khoan/quen-mat-khau/", views.PasswordResetView.as_view(), name="password_reset"),
    path("tai-khoan/quen-mat-khau/da-gui/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "tai-khoan/quen-mat-khau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("tai-khoan/quen-mat-khau/xong/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
