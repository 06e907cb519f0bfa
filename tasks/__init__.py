"""The Celery side of Advocate: ``celery -A tasks worker --beat``.

The worker's Celery app lives in ``tasks.celery`` (found by ``-A tasks``). Task modules only
call ``advocate.services``; they hold no business logic of their own.
"""
