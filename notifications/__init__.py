"""In-app notifications, their email (Django email or GOV.UK Notify), and the outbox of tasks
recorded for the worker with the change that needs them."""
