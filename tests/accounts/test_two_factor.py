import base64
import hashlib
import hmac
import struct
import time

from allauth.mfa.models import Authenticator
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def _totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 code, written out here so the test does not trust the code it checks."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_a_student_turns_on_totp_and_then_needs_a_code_to_log_in(db):
    user = UserFactory(email="careful@example.com")
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    # Turning it on asks for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session["mfa.totp.secret"]

    assert client.post("/accounts/2fa/totp/activate/", {"code": "000000"}).status_code == 200
    client.post("/accounts/2fa/totp/activate/", {"code": _totp(secret)})
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    client.post("/accounts/logout/")
    after_password = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert after_password["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/learning/").status_code == 302

    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert client.get("/learning/").status_code == 200
