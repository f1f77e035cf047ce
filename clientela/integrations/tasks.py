from django_tasks import task

from . import webhooks


@task()
def webhook_deliver(delivery_pk: str) -> str:
    return webhooks.delivery_attempt(delivery_pk)
