"""Excel import of units, groups and people (placeholder until the importer lands)."""

from django.http import HttpRequest, HttpResponse


def import_registry(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def import_template(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
