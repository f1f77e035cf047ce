from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Func
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from clientela.common import phones
from clientela.common.domains import domain_of
from clientela.common.models import related_rows
from clientela.registry.models import Record
from clientela.workspaces.models import WorkspaceScopedModel


def admin_display(label):
    """Give a computed list column its translated header."""

    def decorate(method):
        method.short_description = label
        return method

    return decorate


def _first(rows) -> str:
    """First of prefetched, already ordered (primary first) rows, as text; no extra query."""
    return next((str(row) for row in rows), "")


LIVE = models.Q(deleted_at__isnull=True)  # not in the trash: what lists show


class EmailDomain(Func):
    """The lowered part of an address after "@". The literals sit in the template, not in query
    parameters, so SQLite and PostgreSQL both match the query to the `email_domain_idx` expression index."""

    template = "LOWER(SUBSTR(%(expressions)s, INSTR(%(expressions)s, '@') + 1))"
    output_field = models.CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, **extra,
                           template="LOWER(SUBSTR(%(expressions)s, STRPOS(%(expressions)s, '@') + 1))")


class Lifecycle(models.TextChoices):
    SUBSCRIBER = "subscriber", _("Subscriber")
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")
    PARTNER = "partner", _("Partner")


class Source(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    COLD_CALL = "cold_call", _("Cold call")
    EMAIL = "email", _("Email campaign")
    SOCIAL = "social", _("Social media")
    PARTNER = "partner", _("Partner")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    UNKNOWN = "unknown", _("Unknown")


class ConsentSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    TRADE_FAIR = "trade_fair", _("Trade fair")
    PHONE_CALL = "phone_call", _("Phone call")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    IMPORT = "import", _("Import")
    PRIVACY_REQUEST = "privacy_request", _("Privacy request")
    OTHER = "other", _("Other")


_CONSENT_DATE_HELP = _("When it was given or withdrawn; today if left empty when the status changes.")


class Industry(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    CONSTRUCTION = "construction", _("Construction")
    EDUCATION = "education", _("Education")
    ENERGY = "energy", _("Energy")
    FINANCE = "finance", _("Finance")
    FOOD = "food", _("Food and drink")
    HEALTH = "health", _("Health care")
    HOSPITALITY = "hospitality", _("Hospitality and tourism")
    LOGISTICS = "logistics", _("Transport and logistics")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MEDIA = "media", _("Media")
    PROFESSIONAL = "professional", _("Professional services")
    PUBLIC = "public", _("Public sector")
    REAL_ESTATE = "real_estate", _("Real estate")
    RETAIL = "retail", _("Retail")
    TECHNOLOGY = "technology", _("Technology")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    MICRO = "1-9", _("1–9 employees")
    SMALL = "10-49", _("10–49 employees")
    MEDIUM = "50-249", _("50–249 employees")
    LARGE = "250-999", _("250–999 employees")
    ENTERPRISE = "1000+", _("1,000 or more employees")


class Tag(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="tag_name_unique")]

    def __str__(self):
        return self.name


class Company(Record):
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    domain = models.CharField(_("domain"), max_length=200, blank=True, editable=False,
                              help_text=_("Taken from the website, for search."))
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    lifecycle_status = models.CharField(_("lifecycle status"), max_length=12, choices=Lifecycle.choices,
                                        default=Lifecycle.PROSPECT)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=40, blank=True)
    annual_revenue = models.DecimalField(_("annual revenue"), max_digits=16, decimal_places=2, null=True,
                                         blank=True, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="EUR",
                                help_text=_("ISO 4217 code, e.g. EUR, USD, MXN."))
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies", verbose_name=_("tags"))

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index("workspace", Lower("name"), name="company_name_idx"),
            models.Index(fields=["workspace", "domain"], name="company_domain_idx"),
            # the list free-text filter: a prefix of any search field, each served by an index
            models.Index("workspace", Lower("domain"), name="company_domain_prefix_idx"),
            models.Index("workspace", Lower("tax_id"), name="company_tax_id_idx"),
            models.Index(fields=["workspace", "name"], name="company_name_order_idx", condition=LIVE),
            # the default sort, tie-break included, so a page is read off the index with no sort. Partial:
            # PostgreSQL cannot take an order from an index column after an `IS NULL` condition.
            models.Index(fields=["workspace", "updated_at", "id"], name="company_recent_idx", condition=LIVE),
            models.Index(fields=["workspace", "deleted_at"], name="company_trash_idx", condition=~LIVE),  # trash page
            models.Index(fields=["workspace", "owner", "lifecycle_status"], name="company_owner_idx"),
        ]

    def __str__(self):
        return self.name

    def prepare_for_save(self):
        self.domain = domain_of(self.website)

    @admin_display(_("phone"))
    def primary_phone(self):
        return _first(related_rows(self, "phones"))

    @admin_display(_("city"))
    def city(self):
        address = next(iter(related_rows(self, "addresses")), None)
        return address.city if address else ""


class Contact(Record):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    companies = models.ManyToManyField(Company, through="Affiliation", related_name="contacts", blank=True,
                                       verbose_name=_("companies"))
    lifecycle_status = models.CharField(_("lifecycle status"), max_length=12, choices=Lifecycle.choices,
                                        default=Lifecycle.LEAD)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True,
                                          choices=[("es", _("Spanish")), ("en", _("English"))])
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    email_consent = models.CharField(_("email marketing consent"), max_length=10, choices=ConsentStatus.choices,
                                     default=ConsentStatus.UNKNOWN)
    email_consent_date = models.DateField(_("email consent date"), null=True, blank=True,
                                          help_text=_CONSENT_DATE_HELP)
    email_consent_source = models.CharField(_("email consent source"), max_length=20,
                                            choices=ConsentSource.choices, blank=True)
    phone_consent = models.CharField(_("calls and SMS consent"), max_length=10, choices=ConsentStatus.choices,
                                     default=ConsentStatus.UNKNOWN)
    phone_consent_date = models.DateField(_("calls and SMS consent date"), null=True, blank=True,
                                          help_text=_CONSENT_DATE_HELP)
    phone_consent_source = models.CharField(_("calls and SMS consent source"), max_length=20,
                                            choices=ConsentSource.choices, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False,
                                         help_text=_("Personal data removed at the person's request."))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # The list free-text filter reads `contact_{first,last,title}_cover_idx` (customers 0006 on PostgreSQL,
            # 0007 on SQLite). Global search shows the first ten matches by name, read in this order with no sort
            # of every match. On PostgreSQL, customers 0010 drops this index: `contact_name_cover_idx` (0006) has its
            # keys and condition, and the id too.
            models.Index(fields=["workspace", "last_name", "first_name"], name="contact_name_order_idx",
                         condition=LIVE),
            # the default sort, tie-break included, so a page is read off the index with no sort. Partial:
            # PostgreSQL cannot take an order from an index column after an `IS NULL` condition.
            models.Index(fields=["workspace", "updated_at", "id"], name="contact_recent_idx", condition=LIVE),
            models.Index(fields=["workspace", "deleted_at"], name="contact_trash_idx", condition=~LIVE),  # trash page
            # owner + lifecycle filter, newest activity first, straight from the index (no sort)
            models.Index(fields=["workspace", "owner", "lifecycle_status", "updated_at", "id"],
                         name="contact_owner_recent_idx", condition=LIVE),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    @admin_display(_("name"))
    def name(self):
        return str(self)

    @admin_display(_("email"))
    def primary_email(self):
        return _first(related_rows(self, "emails"))

    @admin_display(_("phone"))
    def primary_phone(self):
        return _first(related_rows(self, "phones"))

    @admin_display(_("company"))
    def primary_company(self):
        affiliations = sorted(related_rows(self, "affiliations"), key=lambda a: not a.is_primary)
        return str(affiliations[0].company) if affiliations else ""


class Affiliation(WorkspaceScopedModel):
    """A contact at a company, with their role there."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affiliations")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="affiliations",
                                verbose_name=_("company"))
    role = models.CharField(_("role / title"), max_length=120, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "created_at"]  # as emails and phones: the primary first, then as added
        constraints = [models.UniqueConstraint(fields=["contact", "company"], name="affiliation_unique")]

    def __str__(self):
        return f"{self.role} @ {self.company}" if self.role else str(self.company)


def _belongs_to(related_name: str):
    """The two links of a channel row: to a contact or to a company (exactly one is set)."""
    return (
        models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name=related_name),
        models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name=related_name),
    )


class ChannelBase(WorkspaceScopedModel):
    """An email, phone or address of either a contact or a company."""

    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        abstract = True


class EmailAddress(ChannelBase):
    class Label(models.TextChoices):
        WORK = "work", _("Work")
        PERSONAL = "personal", _("Personal")
        OTHER = "other", _("Other")

    contact, company = _belongs_to("emails")
    email = models.EmailField(_("email"))
    label = models.CharField(_("type"), max_length=10, choices=Label.choices, default=Label.WORK)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-is_primary", "created_at"]
        indexes = [models.Index("workspace", Lower("email"), name="email_idx"),
                   models.Index("workspace", EmailDomain("email"), name="email_domain_idx")]

    def __str__(self):
        return self.email


class PhoneNumber(ChannelBase):
    class Label(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        WORK = "work", _("Work")
        HOME = "home", _("Home")
        OTHER = "other", _("Other")

    contact, company = _belongs_to("phones")
    number = models.CharField(_("phone"), max_length=20, help_text=_("Stored in international (E.164) format."))
    label = models.CharField(_("type"), max_length=10, choices=Label.choices, default=Label.MOBILE)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "created_at"]
        indexes = [models.Index(fields=["workspace", "number"], name="phone_idx")]

    def __str__(self):
        return phones.display(self.number)


class Address(ChannelBase):
    class Label(models.TextChoices):
        OFFICE = "office", _("Office")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        HOME = "home", _("Home")
        OTHER = "other", _("Other")

    contact, company = _belongs_to("addresses")
    label = models.CharField(_("type"), max_length=10, choices=Label.choices, default=Label.OFFICE)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region / province"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_primary", "created_at"]

    def __str__(self):
        parts = [self.street, " ".join(p for p in (self.postal_code, self.city) if p), self.region,
                 self.country.name if self.country else ""]
        return ", ".join(p for p in parts if p)

