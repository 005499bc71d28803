from celery import shared_task

from . import services


@shared_task
def purge_profile_edit_tokens() -> int:
    """Delete profile-edit links that expired a while ago (schedule it daily)."""
    return services.edit_tokens_purge()
