"""Deterministic, bilingual demo customers: companies, contacts, their channels, tags and notes.

`DemoGenerator` turns a seed into unsaved model instances: the same seed gives the same content. Ids come
from a second generator seeded with the workspace too, so two workspaces built from one seed never collide.
`demo_populate` writes them with `bulk_create` in batches. Demo data skips the record services (no field
history, no events: far too slow for 100,000 contacts), so it sets `workspace`, `owner`, `created_by` and
`Company.domain` itself. Personal emails use the reserved example.* domains so they reach nobody.
"""

import html
import random
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.db import transaction

from clientela.common.domains import domain_of
from clientela.common.sanitize import clean_html
from clientela.notes.models import Note
from clientela.workspaces.scoping import use_workspace

from .demo_lists import (
    COUNTRIES,
    FIRST_NAMES,
    GENERIC_MAILBOXES,
    LAST_NAMES,
    NOTES,
    PERSONAL_DOMAINS,
    SECTORS,
    SHORT_DESCRIPTIONS,
    TAGS,
    TITLES,
    WORDS,
    Country,
    tax_id,
)
from .models import (
    Address,
    Affiliation,
    Company,
    CompanySize,
    Contact,
    EmailAddress,
    Industry,
    Lifecycle,
    PhoneNumber,
    Source,
    Tag,
)

SIZES = {"small": (60, 300), "large": (10_000, 100_000)}  # (companies, contacts)
BATCH_SIZE = 5_000
UK_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

CompanyTag = Company.tags.through
ContactTag = Contact.tags.through
WRITE_ORDER = (Tag, Company, Contact, Affiliation, EmailAddress, PhoneNumber, Address, CompanyTag, ContactTag,
               Note)


def _weighted(pairs):
    """[(value, weight), ...] -> (values, cumulative weights) for a fast `rng.choices`."""
    values, total, cumulative = [], 0, []
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


COMPANY_LIFECYCLE = _weighted([(Lifecycle.CUSTOMER, 35), (Lifecycle.PROSPECT, 30), (Lifecycle.LEAD, 12),
                               (Lifecycle.PARTNER, 8), (Lifecycle.FORMER, 10), (Lifecycle.SUBSCRIBER, 5)])
CONTACT_LIFECYCLE = _weighted([(Lifecycle.LEAD, 30), (Lifecycle.PROSPECT, 20), (Lifecycle.CUSTOMER, 30),
                               (Lifecycle.SUBSCRIBER, 10), (Lifecycle.FORMER, 5), (Lifecycle.PARTNER, 5)])
SOURCES = _weighted([(Source.WEBSITE, 25), (Source.REFERRAL, 20), (Source.EVENT, 15), (Source.COLD_CALL, 10),
                     (Source.EMAIL, 10), (Source.SOCIAL, 8), (Source.PARTNER, 7), (Source.IMPORT, 3),
                     (Source.OTHER, 2)])
SIZES_WEIGHTED = _weighted([(CompanySize.MICRO, 30), (CompanySize.SMALL, 35), (CompanySize.MEDIUM, 20),
                            (CompanySize.LARGE, 10), (CompanySize.ENTERPRISE, 5)])
COUNTRY_WEIGHTED = _weighted([(country, country.weight) for country in COUNTRIES])


def ascii_fold(text: str) -> str:
    """'Lucía O'Brien' -> 'luciaobrien': for email local parts and domains."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in folded if c.isalnum())


@dataclass
class CompanyRef:
    """What contacts need to know about an already generated company."""

    company: Company
    country: Country
    city: tuple


class DemoGenerator:
    def __init__(self, *, seed: int, workspace, users: dict):
        self.rng = random.Random(seed)
        self._ids = random.Random(f"{workspace.slug}:{seed}")
        self.workspace = workspace
        # ids rather than instances: setting a related instance costs more than the rest of the row
        self.admin_id = users["admin"].id
        self.owner_ids = _weighted([(users["manager"].id, 20), (users["rep"].id, 35), (users["rep2"].id, 35),
                                    (None, 10)])
        self.tags: list[Tag] = []
        self.companies: list[CompanyRef] = []
        self._taken: set[str] = set()  # company names, domains and email addresses already used

    # -- small pieces -------------------------------------------------------------------------------------
    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self._ids.getrandbits(128), version=4)

    def pick(self, weighted):
        values, cumulative = weighted
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def fill(self, pattern: str) -> str:
        """'28%##' -> '28471'; the pattern characters are explained in `demo_lists`."""
        rng = self.rng
        pattern = rng.choice(pattern.split("|"))
        return "".join(
            str(rng.randrange(10)) if c == "#" else str(rng.randrange(1, 10)) if c == "%"
            else rng.choice(UK_LETTERS) if c == "@" else c
            for c in pattern
        )

    def phone(self, country: Country, city: tuple, mobile: bool) -> str:
        """A number `phonenumbers` accepts as valid, in E.164."""
        pattern = country.mobile.format(city[3]) if mobile else city[3]
        for _attempt in range(50):
            digits = self.fill(pattern)
            number = phonenumbers.PhoneNumber(country_code=country.dial, national_number=int(digits))
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        raise ValueError(f"No valid phone number from pattern {pattern}")

    def unique(self, candidates: Iterator[str]) -> str:
        for candidate in candidates:
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate
        raise AssertionError("candidates are endless")

    def email(self, first: str, last: str, domain: str) -> str:
        first, last = ascii_fold(first), ascii_fold(last.split(" ")[0])

        def candidates():
            yield f"{first}.{last}@{domain}"
            yield f"{first[0]}{last}@{domain}"
            n = 2
            while True:
                yield f"{first}.{last}{n}@{domain}"
                n += 1

        return self.unique(candidates())

    def record(self, model, owner_id, **fields):
        created_by_id = owner_id or self.admin_id
        return model(id=self.new_id(), workspace_id=self.workspace.id, owner_id=owner_id,
                     created_by_id=created_by_id, updated_by_id=created_by_id, **fields)

    def child(self, model, **fields):
        return model(id=self.new_id(), workspace_id=self.workspace.id, **fields)

    def add(self, rows, model, **fields) -> None:
        rows[model].append(self.child(model, **fields))

    def address(self, country: Country, city: tuple, label: str, **link) -> Address:
        rng = self.rng
        street, number = rng.choice(country.streets), rng.randint(1, 240)
        if country.language == "en":
            line = f"{number} {street}"
        elif country.code == "ES" and rng.random() < .4:
            line = f"{street}, {number}, {rng.randint(1, 9)}.º {rng.choice('ABCD')}"
        else:
            line = f"{street}, {number}" if country.code == "ES" else f"{street} {number}"
        return self.child(Address, label=label, is_primary=True, street=line, postal_code=self.fill(city[2]),
                          city=city[0], region=city[1], country=country.code, **link)

    def tag(self, rows, through, field: str, record, share: float) -> None:
        if self.rng.random() < share:
            for tag in self.rng.sample(self.tags, self.rng.choice((1, 1, 2))):
                rows[through].append(through(**{f"{field}_id": record.id, "tag_id": tag.id}))

    def note(self, rows, entity: str, record, language: str, name: str) -> None:
        body = self.rng.choice(NOTES[language]).format(name=html.escape(name))
        rows[Note].append(self.child(Note, entity=entity, record_id=record.id, body=clean_html(body),
                                     author_id=record.owner_id or self.admin_id))

    def description(self, language: str, share: float) -> str:
        return self.rng.choice(SHORT_DESCRIPTIONS[language]) if self.rng.random() < share else ""

    # -- records --------------------------------------------------------------------------------------------
    def tag_rows(self) -> list[Tag]:
        self.tags = [self.child(Tag, name=name) for name in TAGS]
        return self.tags

    def company_name(self, country: Country) -> tuple[str, str, str]:
        """(full name, name without legal suffix, industry), unique in the workspace."""
        rng, language = self.rng, country.language
        for _attempt in range(100):
            sector, industry = rng.choice(SECTORS[language])
            surname, other = rng.choice(LAST_NAMES[language]), rng.choice(LAST_NAMES[language])
            shape = rng.random()
            if shape < .55:
                word = rng.choice(WORDS[language])
                base = f"{sector} {word}" if language == "es" else f"{word} {sector}"
            elif shape < .85:
                base = f"{sector} {surname}" if language == "es" else f"{surname} {sector}"
            else:
                base = f"{surname} y {other} Asociados" if language == "es" else f"{surname} & {other}"
                industry = Industry.PROFESSIONAL
            name = f"{base} {rng.choice(country.suffixes)}"
            if name not in self._taken:
                self._taken.add(name)
                return name, base, industry
        raise ValueError("Ran out of company names")

    def domain(self, base: str, country: Country) -> str:
        words = [ascii_fold(w) for w in base.split() if w not in ("y", "&")]
        tld = ".com" if self.rng.random() < country.dotcom else country.tld

        def candidates():
            yield "".join(words) + tld
            yield "-".join(words) + tld
            n = 2
            while True:
                yield f"{''.join(words)}{n}{tld}"
                n += 1

        return self.unique(candidates())

    def company(self, rows) -> None:
        rng = self.rng
        country = self.pick(COUNTRY_WEIGHTED)
        city = rng.choice(country.cities)
        name, base, industry = self.company_name(country)
        website = f"https://www.{self.domain(base, country)}"
        company = self.record(
            Company, self.pick(self.owner_ids), name=name, website=website, domain=domain_of(website),
            industry=industry, size=self.pick(SIZES_WEIGHTED), lifecycle_status=self.pick(COMPANY_LIFECYCLE),
            source=self.pick(SOURCES), tax_id=tax_id(rng, country.code, name),
            description=self.description(country.language, .3),
        )
        rows[Company].append(company)
        self.companies.append(CompanyRef(company, country, city))
        self.add(rows, PhoneNumber, company_id=company.id, label="work", is_primary=True,
                 number=self.phone(country, city, mobile=False))
        mailbox = rng.choice(GENERIC_MAILBOXES[country.language])
        self.add(rows, EmailAddress, company_id=company.id, label="work", is_primary=True,
                 email=f"{mailbox}@{company.domain}")
        rows[Address].append(self.address(country, city, "office", company_id=company.id))
        self.tag(rows, CompanyTag, "company", company, .4)
        if rng.random() < .2:
            self.note(rows, "companies", company, country.language, base)

    def contact(self, rows) -> None:
        rng = self.rng
        ref = rng.choice(self.companies) if self.companies and rng.random() < .88 else None
        country = ref.country if ref and rng.random() < .9 else self.pick(COUNTRY_WEIGHTED)
        city = ref.city if ref and country is ref.country else rng.choice(country.cities)
        language = country.language if rng.random() < .9 else {"es": "en", "en": "es"}[country.language]
        gender = rng.choice("fm")
        first = rng.choice(FIRST_NAMES[language, gender])
        last = rng.choice(LAST_NAMES[language])
        if country.code == "ES" and language == "es" and rng.random() < .7:
            last = f"{last} {rng.choice(LAST_NAMES['es'])}"
        title = rng.choice(TITLES[language][gender]) if ref or rng.random() < .3 else ""
        owner_id = ref.company.owner_id if ref and rng.random() < .8 else self.pick(self.owner_ids)
        birthday = date.fromordinal(rng.randint(715_000, 730_500)) if rng.random() < .3 else None
        contact = self.record(
            Contact, owner_id, first_name=first, last_name=last, job_title=title,
            lifecycle_status=self.pick(CONTACT_LIFECYCLE), source=self.pick(SOURCES),
            preferred_language=language, birthday=birthday, description=self.description(language, .1),
        )
        rows[Contact].append(contact)
        if ref:
            self.add(rows, Affiliation, contact_id=contact.id, company_id=ref.company.id, role=title,
                     is_primary=True)
            other = rng.choice(self.companies)
            if rng.random() < .12 and other is not ref:
                self.add(rows, Affiliation, contact_id=contact.id, company_id=other.company.id,
                         role=rng.choice(TITLES[language][gender]))
        emails = [(self.email(first, last, ref.company.domain), "work")] if ref else []
        if not ref or rng.random() < .2:
            emails.append((self.email(first, last, rng.choice(PERSONAL_DOMAINS)), "personal"))
        for position, (email, label) in enumerate(emails):
            self.add(rows, EmailAddress, contact_id=contact.id, email=email, label=label,
                     is_primary=position == 0)
        numbers = [("mobile", True)] if rng.random() < .85 else []
        if rng.random() < .25:
            numbers.append(("work", False))
        for position, (label, mobile) in enumerate(numbers):
            self.add(rows, PhoneNumber, contact_id=contact.id, label=label, is_primary=position == 0,
                     number=self.phone(country, city, mobile))
        if rng.random() < .35:
            rows[Address].append(self.address(country, city, "home", contact_id=contact.id))
        self.tag(rows, ContactTag, "contact", contact, .3)
        if rng.random() < .12:
            self.note(rows, "contacts", contact, language, first)

    def batches(self, make: Callable, total: int, size: int) -> Iterator[tuple[int, dict]]:
        """(rows made so far, {model: [instances]}) per batch of `size` records."""
        for start in range(0, total, size):
            rows: dict = defaultdict(list)
            for _ in range(min(size, total - start)):
                make(rows)
            yield min(start + size, total), rows


def demo_populate(*, workspace, users: dict, size: str, seed: int, batch_size: int = BATCH_SIZE,
                  progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Generate and store the demo customers of `size` in one transaction; returns {model: rows written}."""
    n_companies, n_contacts = SIZES[size]
    generator = DemoGenerator(seed=seed, workspace=workspace, users=users)
    counts = dict.fromkeys(WRITE_ORDER, 0)

    def write(rows: dict) -> None:
        for model in WRITE_ORDER:
            if rows.get(model):
                model.objects.bulk_create(rows[model], batch_size=batch_size)
                counts[model] += len(rows[model])

    with use_workspace(workspace), transaction.atomic():
        write({Tag: generator.tag_rows()})
        for model, make, total in ((Company, generator.company, n_companies),
                                   (Contact, generator.contact, n_contacts)):
            for done, rows in generator.batches(make, total, batch_size):
                write(rows)
                if progress:
                    progress(str(model._meta.verbose_name_plural), done, total)
    return dict(counts)
