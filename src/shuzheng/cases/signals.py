"""What the cases context tells higher contexts (which it may not import): a case changed status.

Sent by `services.transition.record_move` inside the transaction of the move, after its history row and
audit event, so a receiver's writes commit or roll back with the move, and by `case_submit` for a new
case (``from_status`` "", ``action`` "submit"). Receivers (e.g. the bundles context, which concludes a
一件事 once every child case concludes; instant_approval, which decides a submitted case by its rules) get
``case_id``, ``from_status``, ``to_status``, ``action`` and ``actor`` (the acting user, or the platform's
`SystemActor` for an automatic decision).
"""

from django.dispatch import Signal

case_status_changed = Signal()
