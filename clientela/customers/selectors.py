"""Reads about companies and contacts, including the global-search matchers."""

import re

from django.db.models import Q, QuerySet

from clientela.common import phones
from clientela.common.domains import domain_of
from clientela.registry.selectors import starts_with
from clientela.security import access

from .models import Company, EmailAddress, EmailDomain, PhoneNumber

EMAILISH = re.compile(r"^\S+@\S*$")
DOMAINISH = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/?$", re.I)
PHONEISH = re.compile(r"^[+(]?[\d\s().\-/]{6,}$")
MATCHES_MAX = 1000  # ids taken from one indexed look-up before the records are fetched


def company_by_name(name: str) -> Company | None:
    return Company.objects.filter(name__iexact=name.strip()).order_by("created_at").first()


def company_names_starting(user, prefix: str, limit: int = 10) -> list[str]:
    """Suggestions for the company box: only companies the user may see."""
    companies = access.visible(user, Company.objects.filter(name__istartswith=prefix), "companies")
    return list(companies.order_by("name").values_list("name", flat=True)[:limit])


def _phone_owner_ids(text: str, link: str) -> QuerySet | None:
    """Ids (contact or company) with a phone matching what was typed, in any format."""
    e164 = phones.try_e164(text)
    digits = re.sub(r"\D", "", text)
    if e164:
        condition = Q(number=e164)
    elif len(digits) >= 6:
        condition = Q(number__endswith=digits)
    else:
        return None
    return PhoneNumber.objects.filter(condition, **{f"{link}__isnull": False}).values(link)


def _kind(text: str) -> str:
    if EMAILISH.match(text):
        return "email"
    if PHONEISH.match(text) and sum(c.isdigit() for c in text) >= 6:
        return "phone"
    if DOMAINISH.match(text):
        return "domain"
    return "name"


def search_companies(queryset: QuerySet, text: str, hidden: frozenset = frozenset()) -> QuerySet:
    """Companies by name, email, phone in any format or web domain — never by a field the user can't see."""
    text = text.strip()
    kind = _kind(text)
    if {"email": "emails", "phone": "phones", "domain": "website"}.get(kind) in hidden:
        return queryset.none()
    if kind == "email":
        # two indexed look-ups, then one `IN`: an `OR` of two subqueries makes PostgreSQL scan every company
        ids = list(EmailAddress.objects.filter(starts_with("email", text), company__isnull=False)
                   .values_list("company", flat=True)[:MATCHES_MAX])
        ids += Company.objects.filter(domain=text.split("@", 1)[1].lower()).values_list("pk", flat=True)[:MATCHES_MAX]
        return queryset.filter(pk__in=ids)
    if kind == "phone":
        ids = _phone_owner_ids(text, "company")
        return queryset.filter(pk__in=ids) if ids is not None else queryset.none()
    if kind == "domain":
        return queryset.filter(domain=domain_of(text))
    return queryset.filter(starts_with("name", text))


def search_contacts(queryset: QuerySet, text: str, hidden: frozenset = frozenset()) -> QuerySet:
    """Contacts by name, email, phone in any format or email domain — never by a field the user can't see."""
    text = text.strip()
    kind = _kind(text)
    if {"email": "emails", "phone": "phones", "domain": "emails"}.get(kind) in hidden:
        return queryset.none()
    if kind == "email":
        ids = EmailAddress.objects.filter(starts_with("email", text), contact__isnull=False).values("contact")
        return queryset.filter(pk__in=ids)
    if kind == "phone":
        ids = _phone_owner_ids(text, "contact")
        return queryset.filter(pk__in=ids) if ids is not None else queryset.none()
    if kind == "domain":
        ids = EmailAddress.objects.alias(domain=EmailDomain("email")).filter(
            domain=domain_of(text), contact__isnull=False).values("contact")
        return queryset.filter(pk__in=ids)
    condition = Q()
    for term in _name_terms(text):
        condition |= term
    return queryset.filter(condition)


def _name_terms(text: str) -> list[Q]:
    """A contact's name starts with the text, or "Ana Gar" is first name "Ana…" and last name "Gar…"."""
    first, _, rest = text.partition(" ")
    terms = [starts_with("first_name", text), starts_with("last_name", text)]
    return [starts_with("first_name", first) & starts_with("last_name", rest), *terms] if rest else terms


def _contact_name_branches(queryset: QuerySet, text: str, hidden: frozenset = frozenset()) -> list | None:
    """A name search as one queryset per way of matching (their union is `search_contacts`); None otherwise."""
    text = text.strip()
    return [queryset.filter(term) for term in _name_terms(text)] if _kind(text) == "name" else None


def _companies_covered(text: str, search_fields) -> bool:
    return _kind(text.strip()) == "name" and "name" in search_fields


def _contacts_covered(text: str, search_fields) -> bool:
    return _kind(text.strip()) == "name" and " " not in text.strip() and {"first_name", "last_name"} <= set(
        search_fields)


# The list free-text filter already matches the search fields by prefix; when the matcher would find
# nothing more (one name-like word), the list leaves it out (`registry.text_search`: one branch less).
search_companies.covered_by_search_fields = _companies_covered
search_contacts.covered_by_search_fields = _contacts_covered
search_contacts.branches = _contact_name_branches  # global search reads them as a UNION (`registry.text_search`)
