"""Account pages: register, log in and out, password reset, profile."""

from django.urls import path

from portal.placeholder import placeholder

urlpatterns = [
    path("tai-khoan/dang-nhap/", placeholder, name="login"),
    path("tai-khoan/dang-xuat/", placeholder, name="logout"),
    path("tai-khoan/dang-ky/", placeholder, name="register"),
    path("tai-khoan/", placeholder, name="profile"),
]
