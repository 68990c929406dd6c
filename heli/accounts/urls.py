from django.urls import path

from heli.accounts import admin_views, self_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # Every person, for themselves.
    path("password/", self_views.password_change, name="password_change"),
    path("two-step/", self_views.otp_page, name="otp"),
    path("two-step/verify/", self_views.otp_verify, name="otp_verify"),
    path("two-step/remove/", self_views.otp_remove, name="otp_remove"),
    path("two-step/replace/", self_views.otp_replace, name="otp_replace"),
    path("sign-in/wait/", self_views.sign_in_wait, name="sign_in_wait"),
    path("display/", self_views.display, name="display"),
    # The system administrator (accounts) and the security administrator (roles).
    path("people/", admin_views.people, name="people"),
    path("people/new/", admin_views.person_create, name="person_create"),
    path("people/<int:pk>/", admin_views.person_detail, name="person_detail"),
    path(
        "people/<int:pk>/reset-password/",
        admin_views.person_reset_password,
        name="person_reset_password",
    ),
    path("people/<int:pk>/disable/", admin_views.person_disable, name="person_disable"),
    path("people/<int:pk>/enable/", admin_views.person_enable, name="person_enable"),
    path("people/<int:pk>/roles/grant/", admin_views.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", admin_views.role_revoke, name="role_revoke"),
    # The security administrator.
    path("lockouts/", admin_views.lockouts, name="lockouts"),
    path("lockouts/unlock/", admin_views.unlock, name="unlock"),
    path("security-policy/", admin_views.security_policy, name="security_policy"),
    path("sign-ins/", admin_views.sign_in_checks, name="sign_in_checks"),
    path("sign-ins/<int:pk>/refuse/", admin_views.sign_in_refuse, name="sign_in_refuse"),
]
