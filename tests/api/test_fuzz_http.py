"""hypothesis against every action over HTTP: never a 500, never a row from invalid input."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import SQLModel

from db.core.actions import load_actions
from db.core.engine import session_scope

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
    st.sampled_from(["hello-atoll", "why-libsql", "1", "5", "true", "ada@example.com", "", " "]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=2),
)


def _row_counts() -> tuple[int, ...]:
    tables = sorted(SQLModel.metadata.tables)
    query = "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables)
    with session_scope() as session:
        return tuple(session.execute(text(query)).one())


def _payloads(name: str) -> st.SearchStrategy[object]:
    fields = list(load_actions()[name].input.model_fields)
    return st.one_of(
        st.fixed_dictionaries({}, optional={f: VALUES for f in fields}),
        st.dictionaries(st.text(max_size=12), VALUES, max_size=5),
        VALUES,
    )


@pytest.mark.parametrize("name", sorted(load_actions()))
def test_random_payloads_never_fail_the_server_or_store_invalid_input(name, api_server, server_db):
    client = httpx.Client(base_url=api_server.base_url, timeout=10)
    sent: list[int] = []

    @settings(
        max_examples=500,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(_payloads(name))
    def check(payload: object) -> None:
        before = _row_counts()
        response = client.post(f"/api/actions/{name}", json=payload)
        sent.append(response.status_code)
        assert response.status_code < 500, response.text
        body = response.json()
        assert set(body) in ({"data"}, {"error"})
        if response.status_code != 200:
            assert set(body["error"]) == {"code", "message", "fields"}
            assert _row_counts() == before

    try:
        check()
    finally:
        client.close()
    assert len(sent) >= 500
    assert 400 in sent
