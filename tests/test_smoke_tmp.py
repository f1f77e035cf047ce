import pytest
from conftest import login
from clientela.customers.tests import factories

def test_smoke(in_acme):
    admin = in_acme.users["admin"]
    co = factories.company(admin, website="https://www.acme.es", phones=[{"number": "912 345 678", "label": "work"}])
    c = factories.contact(admin, emails=[{"email": "lucia@acme.es", "label": "work"}], phones=[{"number": "612345678", "label": "mobile"}], affiliations=[{"company_name": co.name, "role": "CEO"}])
    cl = login(admin)
    for url in ["/contacts/", "/companies/", f"/contacts/{c.pk}/", f"/companies/{co.pk}/", "/contacts/new/", f"/contacts/{c.pk}/edit/", "/search/?q=612 34 56 78", "/profile/", "/contacts/trash/", "/contacts/export.csv", "/healthz"]:
        r = cl.get(url)
        print(url, r.status_code)
        assert r.status_code == 200, r.content[:3000]
    r = cl.get("/search/?q=612 34 56 78"); assert "Lucía" in r.content.decode()
    r = cl.get("/search/?q=acme.es"); assert "Acme" in r.content.decode()
