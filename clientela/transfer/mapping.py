"""Which entity field each column fills: the targets an entity offers and suggestions from headers.

A target is a form field name ("first_name", "owner") or an inline's field ("emails.email",
"addresses.city", "affiliations.company_name"), so every registered entity can be imported.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from .text import header_key

# Column names used by spreadsheets and other CRMs' exports (Salesforce, HubSpot, Zoho, Pipedrive, Outlook...).
ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "nombre", "nombre de pila", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "apellidos", "apellido", "primer apellido"),
    "name": ("name", "account name", "company name", "company", "organization", "organisation", "nombre",
             "empresa", "razon social", "nombre de la empresa", "cuenta", "nombre de cuenta"),
    "job_title": ("title", "job title", "position", "cargo", "puesto", "titulo"),
    "owner": ("owner", "owner email", "owner name", "contact owner", "account owner", "propietario",
              "responsable", "propietario del contacto", "assigned to", "asignado a"),
    "emails.email": ("email", "e-mail", "email address", "e-mail address", "correo", "correo electronico",
                     "email 1", "primary email", "e-mail 1 - value", "mail"),
    "phones.number": ("phone", "phone number", "telephone", "tel", "telefono", "movil", "mobile", "mobile phone",
                      "cell", "celular", "business phone", "work phone", "telefono movil", "phone 1 - value"),
    "addresses.street": ("street", "address", "mailing street", "billing street", "direccion", "calle",
                         "domicilio", "street address"),
    "addresses.city": ("city", "mailing city", "billing city", "town", "ciudad", "poblacion", "localidad",
                       "municipio"),
    "addresses.postal_code": ("postal code", "zip", "zip code", "postcode", "mailing zip/postal code",
                              "billing zip/postal code", "codigo postal", "cp", "c.p."),
    "addresses.region": ("state", "region", "province", "mailing state/province", "billing state/province",
                         "provincia", "comunidad", "estado"),
    "addresses.country": ("country", "mailing country", "billing country", "pais", "country/region"),
    "affiliations.company_name": ("company", "company name", "account name", "account", "organization",
                                  "empresa", "compania", "organizacion", "nombre de la empresa", "cuenta"),
    "affiliations.role": ("role", "rol", "role at company"),
    "website": ("website", "web", "url", "sitio web", "pagina web", "web site"),
    "tax_id": ("tax id", "vat", "vat number", "nif", "cif", "nif/cif", "rfc", "tax number"),
    "industry": ("industry", "sector", "industria"),
    "annual_revenue": ("annual revenue", "revenue", "facturacion", "ingresos anuales", "facturacion anual"),
    "lifecycle_status": ("lifecycle stage", "lifecycle status", "status", "estado", "etapa", "fase"),
    "source": ("lead source", "source", "origen", "fuente"),
    "birthday": ("birthday", "birthdate", "date of birth", "fecha de nacimiento", "cumpleanos"),
    "tags": ("tags", "etiquetas", "labels"),
    "description": ("description", "notes", "descripcion", "notas", "comentarios"),
    "preferred_language": ("language", "preferred language", "idioma"),
}

SKIP_FIELDS = {"is_primary", "label", "id", "DELETE"}


def targets(entity, user) -> dict[str, str]:
    """Every column target of an entity for this user (its per-user `entity_for` copy): key -> label.

    Taken from a form instance, so the workspace's custom fields are included and hidden fields are not.
    """
    form_fields = entity.form_class(user=user).fields
    found = {name: str(field.label or name) for name, field in form_fields.items()
             if name not in entity.hidden and name not in entity.read_only and not field.disabled}
    for inline in entity.inlines:
        for name, field in inline.formset.form.base_fields.items():
            if name not in SKIP_FIELDS:
                found[f"{inline.name}.{name}"] = f"{inline.label}: {field.label or name}"
    return found


def _label_keys(entity, user, keys) -> dict[str, set[str]]:
    """Each target's label in Spanish and English, as header keys."""
    names: dict[str, set[str]] = {key: {header_key(key.split(".")[-1])} for key in keys}
    for language in ("en", "es"):
        with translation.override(language):
            for key, label in targets(entity, user).items():
                if key in names:
                    names[key].add(header_key(label.split(": ")[-1]))
    return names


def suggest(entity, user, headers: list[str]) -> dict[str, str]:
    """header -> target for the columns recognised; each target is used once, first column wins."""
    available = targets(entity, user)
    by_alias: dict[str, str] = {}
    for key in available:
        for alias in ALIASES.get(key, ()):
            by_alias.setdefault(header_key(alias), key)
    for key, labels in _label_keys(entity, user, available).items():
        for label in labels:
            by_alias.setdefault(label, key)
    if "affiliations.company_name" in available:  # on a contact, "Company" is the employer, not its name
        for alias in ALIASES["affiliations.company_name"]:
            by_alias[header_key(alias)] = "affiliations.company_name"
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        target = by_alias.get(header_key(header))
        if target and target not in used:
            suggestion[header] = target
            used.add(target)
    return suggestion


def validate_mapping(entity, user, mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Keep the known columns and targets; a target given twice is an error."""
    from .readers import ImportFileError

    available = targets(entity, user)
    clean = {h: t for h, t in mapping.items() if t and h in headers}
    unknown = sorted(t for t in clean.values() if t not in available)
    if unknown:
        raise ImportFileError(_("Unknown fields in the mapping: %(names)s."), params={"names": ", ".join(unknown)},
                              code="bad_mapping")
    seen: set[str] = set()
    for target in clean.values():
        if target in seen:
            raise ImportFileError(_("“%(field)s” is mapped from more than one column."),
                                  params={"field": available[target]}, code="bad_mapping")
        seen.add(target)
    return clean
