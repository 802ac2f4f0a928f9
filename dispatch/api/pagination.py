"""The API's pages: ``limit`` and ``offset`` from the query string, bounded."""

from rest_framework.pagination import LimitOffsetPagination


class LimitOffsetPage(LimitOffsetPagination):
    """DRF's limit/offset paging with a ceiling on ``limit``: without one, ``limit`` takes any
    size and a value above 2**63 overflows the database driver (500). A larger limit is served
    as this one, as DRF does for ``max_limit``; an offset past the end is an empty page."""

    max_limit = 1000
