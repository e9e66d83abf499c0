"""Pages of 50 by default; an intake tool may ask for up to 500 with ?page_size=."""

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
