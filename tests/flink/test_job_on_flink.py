"""The PyFlink job's SQL, planned and run by a real Flink 1.20 (`make flink-check`).

PyFlink is a 700 MB install with its own pins (Apache Beam, pandas, numpy),
so it lives in a separate virtualenv and these tests are skipped elsewhere.
Only the tables' connectors are swapped for local ones (datagen in, blackhole
or collect out): the job's column list, TUMBLE window, aggregates and interval
literals are exactly what runs on Managed Service for Apache Flink.
"""

import pytest

from cfn_catalog.functions import flink_tumbling_window as job

pyflink_table = pytest.importorskip("pyflink.table")

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/"


def config(seconds: int) -> job.JobConfig:
    return job.JobConfig(STREAM + "in", STREAM + "out", "us-east-1", seconds)


def with_connector(create_table: str, options: str) -> str:
    """The job's CREATE TABLE with local connector options (and no Kinesis partitioning)."""
    columns, _, _ = create_table.partition("WITH (")
    return columns.replace("PARTITIONED BY (ticker_symbol)\n", "") + f"WITH ({options})"


@pytest.fixture
def table_env():
    return pyflink_table.TableEnvironment.create(pyflink_table.EnvironmentSettings.in_streaming_mode())


def create_local_tables(table_env, seconds: int, source_options: str, sink_options: str) -> str:
    source, sink, insert = job.statements(config(seconds))
    table_env.execute_sql(with_connector(source, source_options))
    table_env.execute_sql(with_connector(sink, sink_options))
    return insert


@pytest.mark.parametrize("seconds", [1, 59, 60, 90, 100, 3600, 5400, 5999, 6001, 86399, 86400])
def test_flink_plans_the_windowed_insert_for_every_kind_of_interval(table_env, seconds):
    insert = create_local_tables(table_env, seconds, "'connector' = 'datagen'", "'connector' = 'blackhole'")
    plan = table_env.explain_sql(insert)
    assert "WindowAggregate" in plan and "TUMBLE" in plan.upper()


def test_the_kinesis_tables_are_accepted_as_written(table_env):
    source, sink, _ = job.statements(config(60))
    table_env.execute_sql(source)
    table_env.execute_sql(sink)
    assert set(table_env.list_tables()) == {job.SOURCE_TABLE, job.SINK_TABLE}


def test_records_are_counted_once_per_window_with_consistent_aggregates(table_env):
    rows, per_second = 100, 25
    insert = create_local_tables(
        table_env,
        1,
        f"'connector' = 'datagen', 'rows-per-second' = '{per_second}', 'number-of-rows' = '{rows}', "
        "'fields.ticker_symbol.length' = '1', 'fields.price.min' = '10', 'fields.price.max' = '20'",
        "'connector' = 'blackhole'",
    )
    select = insert.split("\n", 1)[1]  # the job's query, collected here instead of inserted
    with table_env.sql_query(select).execute().collect() as results:
        windows = list(results)
    # Processing-time windows still open when this bounded source ends are not emitted (the
    # service's streams never end): up to the last second or two of records go uncounted.
    assert rows - 2 * per_second <= sum(row[3] for row in windows) <= rows
    for _ticker, start, end, count, avg_price, min_price, max_price in windows:
        assert (end - start).total_seconds() == 1
        assert count >= 1 and 10 <= min_price <= avg_price <= max_price <= 20
    assert len({(row[0], row[1]) for row in windows}) == len(windows)  # one row per ticker and window
