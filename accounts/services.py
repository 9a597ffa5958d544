from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import User


@transaction.atomic
def demo_user_ensure(*, email: str, password: str, is_staff: bool) -> User:
    """Create or reset a demo account with a verified email address (used by quickstart)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email)
    user.is_staff = is_staff
    user.is_superuser = is_staff
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
