from .roles import user_roles


def roles(request) -> dict:
    """The signed-in user's roles, so templates show only the controls it may use."""
    return {"user_roles": user_roles(getattr(request, "user", None))}
