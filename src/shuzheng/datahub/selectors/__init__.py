"""Reads of the data hub, data-scope aware and keyset-paginated.

Who may read what:
- published catalog entries: any logged-in staff member (the catalog is how departments find data to
  request); drafts and entries in review: users whose ``datahub.change_catalogentry`` or
  ``datahub.review_catalogentry`` scope covers the providing department;
- sharing requests: the requesting and the providing department (scope of ``datahub.view_sharingrequest``
  or ``datahub.decide_sharingrequest``), and data administrators (scope all);
- access logs: ``datahub.view_accesslog`` over the providing department ("who accessed my data"); the
  per-person view needs that permission with scope all (data administration, privacy requests);
- open datasets: public.

Timed-out sharing requests are derived here, not stored: a request is timed out when it is still pending
after its due date (``due_on``, SHUZHENG_SHARING_DECISION_DAYS working days after submission) or was
decided after it.

Modules by topic: ``scope`` (who may read what, ``can``), ``catalog``, ``sharing`` (requests, grants,
credentials), ``access_logs``, ``quality``, ``open_data`` (the public portal).
"""
