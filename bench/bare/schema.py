"""The bare insert view's table, created by the bench (not by migrations, so no app setup is needed)."""

TABLE = "bench_bare_row"
CREATE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id bigserial PRIMARY KEY, note varchar(100) NOT NULL, created_at timestamptz NOT NULL)"
)
