from django.utils.functional import SimpleLazyObject

from .roles import user_roles


def _navigation(user) -> dict[str, bool]:
    """The links the navigation offers this user: only what their role lets them use."""
    if not user.is_authenticated:
        return {}
    return {
        "contracts": user.has_perm("contracts.view_contract"),
        "create_contract": user.has_perm("contracts.add_contract"),
        "admin": user.is_staff,
    }


def roles(request):
    """Expose the user's roles and allowed navigation to templates.

    Lazy, so that fragments which never look at them (the live previews) cost no queries.
    """
    user = getattr(request, "user", None)
    if user is None:
        return {"user_roles": set(), "nav": {}}
    return {
        "user_roles": SimpleLazyObject(lambda: user_roles(user)),
        "nav": SimpleLazyObject(lambda: _navigation(user)),
    }
