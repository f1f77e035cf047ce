"""Sharing widens what a role's scope shows: one record with a person or team, or by rule."""

import pytest

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.security.models import AuditEntry, RecordShare, SharingRule
from clientela.workspaces.models import Team
from conftest import login


@pytest.fixture
def rep2_contact(in_acme):
    return factories.contact(in_acme.users["rep2"], first="Sonia", last="Sur",
                             addresses=[{"label": "office", "city": "Sevilla", "country": "ES"}])


def _sees(client, contact):
    return client.get(f"/contacts/{contact.pk}/").status_code == 200


def test_sharing_a_record_with_a_person_lets_them_see_it_and_stopping_hides_it_again(in_acme, rep2_contact):
    rep, rep2 = in_acme.users["rep"], in_acme.users["rep2"]
    assert not _sees(login(rep), rep2_contact)
    owner = login(rep2)
    owner.post(f"/contacts/{rep2_contact.pk}/share/", {"target": f"user:{rep.pk}"})
    assert _sees(login(rep), rep2_contact)
    assert "Sonia" in login(rep).get("/contacts/").content.decode()
    assert login(rep).get(f"/contacts/{rep2_contact.pk}/edit/").status_code == 403  # read only
    share = RecordShare.objects.get()
    owner.post(f"/contacts/{rep2_contact.pk}/share/{share.pk}/remove/")
    assert not _sees(login(rep), rep2_contact)
    assert AuditEntry.objects.filter(action__in=["record.shared", "record.unshared"]).count() == 2


def test_read_write_sharing_with_a_team_lets_its_members_edit_but_not_delete(in_acme, rep2_contact):
    rep = in_acme.users["rep"]
    login(in_acme.users["rep2"]).post(f"/contacts/{rep2_contact.pk}/share/",
                                      {"target": f"team:{Team.objects.get(name='North').pk}", "can_edit": "1"})
    client = login(rep)
    assert client.get(f"/contacts/{rep2_contact.pk}/edit/").status_code == 200
    assert client.post(f"/contacts/{rep2_contact.pk}/delete/").status_code == 403


def test_someone_who_cannot_edit_a_record_cannot_share_it(in_acme, rep2_contact):
    response = login(in_acme.users["readonly"]).post(f"/contacts/{rep2_contact.pk}/share/",
                                                     {"target": f"user:{in_acme.users['rep'].pk}"})
    assert response.status_code == 403 and not RecordShare.objects.exists()


def test_a_sharing_rule_shares_every_matching_record_with_a_team(in_acme, rep2_contact):
    rep = in_acme.users["rep"]
    SharingRule.objects.create(workspace=in_acme, name="Spain", entity="contacts", field="addresses__country",
                               value="ES", team=Team.objects.get(name="North"))
    other = factories.contact(in_acme.users["rep2"], first="Fran", last="Francia",
                              addresses=[{"label": "office", "city": "Lyon", "country": "FR"},
                                         {"label": "home", "city": "Paris", "country": "FR"}])
    client = login(rep)
    assert _sees(client, rep2_contact) and not _sees(client, other)
    assert client.get(f"/contacts/{rep2_contact.pk}/edit/").status_code == 403


def test_transfer_moves_a_company_and_its_contacts_with_the_same_owner(in_acme):
    rep, rep2 = in_acme.users["rep"], in_acme.users["rep2"]
    company = factories.company(rep, name="Cítricos Levante S.L.")
    same = factories.contact(rep, first="Ana", affiliations=[{"company_name": company.name, "role": "CEO"}])
    other = factories.contact(in_acme.users["admin"], first="Otro",
                              affiliations=[{"company_name": company.name, "role": "CFO"}])
    response = login(rep).post(f"/companies/{company.pk}/transfer/", {"owner": rep2.pk, "include_related": "1"})
    assert response.status_code == 302
    assert Contact.objects.get(pk=same.pk).owner == rep2
    assert Contact.objects.get(pk=other.pk).owner == in_acme.users["admin"]
    company.refresh_from_db()
    assert company.owner == rep2
