"""What happens when someone signs in: the session is stamped for its limits, and a
sign-in with a password an administrator issued starts waiting for confirmation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from heli.accounts import issued, lockout, otp, sessions
from heli.accounts.models import policy_for_user


def on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    sessions.start(request.session)
    has_device = otp.confirmed_device(user) is not None
    request.session[otp.SESSION_HAS_DEVICE] = has_device
    request.session.pop(issued.SESSION_KEY, None)
    if user.must_change_password and not has_device:
        # The owner's own device would prove it is them; without one, a person confirms.
        issued.start_check(request, user)
    if not has_device and not otp.required_for(user, policy_for_user(user)):
        # The sign-in is complete: the run of failures ends. With a second factor to
        # come, it ends when the code is accepted (heli.accounts.actions.verify_code).
        lockout.forget_failures(user.get_username())


def connect() -> None:
    user_logged_in.connect(on_sign_in, dispatch_uid="heli.accounts.on_sign_in")
