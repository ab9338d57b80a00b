"""Dispatch that works on real appeals (issue 13): colloquial normalisation, duties as data, the router
(text classifier + retrieval over duties and the knowledge base), calibration and evaluation. Pure
Python over data files and fitted models; the database side lives in ``appeals.routing`` and the
services."""
