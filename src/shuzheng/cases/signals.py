"""What the cases context tells higher contexts (which it may not import): a case changed status.

Sent by `services.transition.transition` inside the transaction of the move, after its history row and
audit event, so a receiver's writes commit or roll back with the move. Receivers (e.g. the bundles
context, which concludes a 一件事 once every child case concludes) get ``case_id``, ``from_status``,
``to_status``, ``action`` and ``actor`` (the acting user).
"""

from django.dispatch import Signal

case_status_changed = Signal()
