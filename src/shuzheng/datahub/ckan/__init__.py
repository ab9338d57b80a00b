"""The CKAN Action API (``/api/3/action/<name>``) over the open-data portal.

CKAN's objects map onto the data hub like this:

- package (dataset) = ``OpenDataset``: ``name`` is its 标识, ``title``, ``notes``, ``license_id``,
  ``owner_org`` its providing department, ``tags``, ``groups`` its topics, ``resources``; the catalog entry
  it was opened from is the extra ``catalog_entry`` (the entry's 资源代码), which package_create needs;
- organization = ``Department`` (``name`` is the department code in lower case, ``title`` its name);
- group = ``OpenTopic``; tag = ``OpenTag``;
- resource = ``OpenResource``: the CSV / XLSX / JSON generated from the mounted table
  (``url_type`` "datastore", readable through datastore_search), links (``url``) and uploaded files
  (``url_type`` "upload").

Each action takes a ``common.Call`` and returns the ``result`` of CKAN's envelope; errors are the core
application errors (``NotFound``, ``PermissionDenied``, ``ValidationFailed``, ``Conflict``…) and
``SearchQueryError``, which ``ckan.views`` turns into CKAN's ``error`` objects.
Reads are public (open data, personal fields masked); writes need a publisher's API key and go through
the datahub services (permission and data scope checks, audit).
"""
