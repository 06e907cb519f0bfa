"""Worker entry point: the Flask app's Celery instance (Flask docs' make_celery shape)."""

from advocate import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

from tasks import health, reminders  # noqa: E402,F401  (registers the tasks)
