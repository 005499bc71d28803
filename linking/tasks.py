from celery import shared_task

from . import services


@shared_task
def expire_link_offers() -> int:
    """Periodic clean-up: overdue open offers become ``expired``."""
    return services.link_offers_expire()
