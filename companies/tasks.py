from celery import shared_task
from django.conf import settings

from companies import services


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def partnering_profiles_expire() -> int:
    """Daily: expire published partnering profiles past their 'valid until' date."""
    return services.partnering_profiles_expire()
