from .roles import user_roles


def roles(request):
    """Expose the user's roles to templates so navigation shows only what they may use."""
    return {"user_roles": user_roles(request.user) if hasattr(request, "user") else set()}
