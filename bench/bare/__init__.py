"""The bare Django baseline of `python -m bench sidebyside`: one JSON view and one view inserting one
row, with no middleware, served under the same gunicorn shape as the app. Loaded only by the bench (its
own settings and URLconf), never by the platform's URLs."""
