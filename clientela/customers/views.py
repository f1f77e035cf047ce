from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import company_names_starting


@login_required
def company_names(request):
    """Options for the company box on the contact form (a <datalist>)."""
    text = request.GET.get("company_name", "") or next(
        (v for k, v in request.GET.items() if k.endswith("company_name")), "")
    names = company_names_starting(request.user, text.strip()) if text.strip() else []
    return render(request, "customers/_company_options.html", {"names": names})
