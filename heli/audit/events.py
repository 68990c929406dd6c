"""The names of audited events. Rows store these strings; never rename one."""

from django.utils.translation import gettext_lazy as _

LOGIN_SUCCESS = "login.success"
LOGIN_FAILURE = "login.failure"
LOGIN_LOCKOUT = "login.lockout"
LOGOUT = "logout"
PERMISSION_DENIED = "permission.denied"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"
ACCOUNT_CREATED = "account.created"
ACCOUNT_UPDATED = "account.updated"
ACCOUNT_DISABLED = "account.disabled"
ACCOUNT_ENABLED = "account.enabled"
ACCOUNT_UNLOCKED = "account.unlocked"
PASSWORD_CHANGED = "password.changed"  # noqa: S105 (an event name)
PASSWORD_RESET = "password.reset"  # noqa: S105 (an event name)
# A sign-in with a one-time password an administrator issued, and a security
# administrator's word on it (三员分立: the issuer cannot use the password alone).
PASSWORD_FIRST_SIGN_IN = "password.first_sign_in"  # noqa: S105 (an event name)
SIGN_IN_CONFIRMED = "password.sign_in_confirmed"  # noqa: S105 (an event name)
SIGN_IN_REFUSED = "password.sign_in_refused"  # noqa: S105 (an event name)
OTP_ENROLLED = "otp.enrolled"
OTP_FAILURE = "otp.failure"
OTP_REMOVED = "otp.removed"
RECORD_CREATED = "record.created"
RECORD_UPDATED = "record.updated"
RECORD_DELETED = "record.deleted"
BULK_UPDATE = "record.bulk_update"
IMPORT = "import"
UPLOAD = "file.upload"
UPLOAD_REFUSED = "file.upload_refused"
DOWNLOAD = "file.download"
EXPORT = "export"
SETTINGS_CHANGED = "settings.changed"
BACKUP = "backup"
RESTORE = "restore"
AUDIT_PRUNED = "audit.pruned"
ROLE_CHANGED = "role.changed"  # a role assignment edited in place (its scope moved)
AUDIT_ANCHOR_RESET = "audit.anchor_reset"  # the chain's head anchor was missing


# How the auditor's screen names each event. Keys are stored in rows; labels may change.
LABELS = {
    LOGIN_SUCCESS: _("Signed in"),
    LOGIN_FAILURE: _("Sign-in failed"),
    LOGIN_LOCKOUT: _("Account locked after failed sign-ins"),
    LOGOUT: _("Signed out"),
    PERMISSION_DENIED: _("Access refused"),
    ROLE_GRANTED: _("Role granted"),
    ROLE_REVOKED: _("Role revoked"),
    ROLE_CHANGED: _("Role changed"),
    ACCOUNT_CREATED: _("Account created"),
    ACCOUNT_UPDATED: _("Account changed"),
    ACCOUNT_DISABLED: _("Account disabled"),
    ACCOUNT_ENABLED: _("Account enabled"),
    ACCOUNT_UNLOCKED: _("Account unlocked"),
    PASSWORD_CHANGED: _("Password changed"),
    PASSWORD_RESET: _("Password reset"),
    PASSWORD_FIRST_SIGN_IN: _("First sign-in with a one-time password"),
    SIGN_IN_CONFIRMED: _("Sign-in with a one-time password confirmed"),
    SIGN_IN_REFUSED: _("Sign-in with a one-time password refused"),
    OTP_ENROLLED: _("Two-factor device enrolled"),
    OTP_FAILURE: _("Two-factor code refused"),
    OTP_REMOVED: _("Two-factor device removed"),
    RECORD_CREATED: _("Record created"),
    RECORD_UPDATED: _("Record changed"),
    RECORD_DELETED: _("Record deleted"),
    BULK_UPDATE: _("Records changed in bulk"),
    IMPORT: _("Import"),
    UPLOAD: _("File uploaded"),
    UPLOAD_REFUSED: _("File upload refused"),
    DOWNLOAD: _("File downloaded"),
    EXPORT: _("Export"),
    SETTINGS_CHANGED: _("Settings changed"),
    BACKUP: _("Backup"),
    RESTORE: _("Restore"),
    AUDIT_PRUNED: _("Old audit records removed"),
    AUDIT_ANCHOR_RESET: _("Audit chain head was missing"),
}


def label(event: str) -> str:
    """The event's name for people; an unknown event shows its stored key."""
    return str(LABELS.get(event, event))
