"""Signing out: a shared phone or desk must keep nothing of the user who leaves."""

from django.contrib.auth import views as auth_views

# The browser drops its HTTP cache and the site's storage (the technician's service worker, its
# page cache, the queue of steps not yet sent): the next user of a shared phone must not read the
# previous one's pages offline, nor send its steps under its own session.
CLEAR_SITE_DATA = '"cache", "storage"'


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), telling the browser to clear what it kept of the site.
    The pages do the same from script before leaving (``technician.js``), for a browser that
    ignores the header."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
