from urllib.parse import urlsplit


def domain_of(url_or_domain: str) -> str:
    """'https://www.Acme.es/contact' -> 'acme.es'."""
    text = (url_or_domain or "").strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")
