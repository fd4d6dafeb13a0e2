"""The PyFlink job's configuration and SQL, without a Flink runtime."""

import json
import re
import sys

import pytest

from cfn_catalog.functions import flink_tumbling_window as job

INPUT = "arn:aws:kinesis:eu-west-1:123456789012:stream/ticks-in"
OUTPUT = "arn:aws:kinesis:eu-west-1:123456789012:stream/ticks-out"


def groups(**overrides):
    properties = {
        job.INPUT_STREAM_ARN: INPUT,
        job.OUTPUT_STREAM_ARN: OUTPUT,
        job.REGION: "eu-west-1",
        job.WINDOW_SECONDS: "60",
        job.INITIAL_POSITION: "LATEST",
    }
    properties.update(overrides)
    return {job.PROPERTY_GROUP: {k: v for k, v in properties.items() if v is not None}}


def service_json(groups_):
    return json.dumps([{"PropertyGroupId": gid, "PropertyMap": props} for gid, props in groups_.items()])


def test_module_does_not_import_pyflink():
    assert "pyflink" not in sys.modules


def test_parses_the_service_properties_file_format():
    text = service_json({"kinesis.analytics.flink.run.options": {"python": "job.py"}, **groups()})
    parsed = job.parse_property_groups(text)
    assert parsed["kinesis.analytics.flink.run.options"] == {"python": "job.py"}
    assert job.parse_config(parsed) == job.JobConfig(
        input_stream_arn=INPUT, output_stream_arn=OUTPUT, region="eu-west-1", window_seconds=60
    )


def test_property_values_are_strings_even_when_json_has_numbers():
    parsed = job.parse_property_groups(json.dumps([{"PropertyGroupId": "g", "PropertyMap": {"n": 5}}]))
    assert parsed == {"g": {"n": "5"}}


def test_region_defaults_to_the_input_streams_region():
    assert job.parse_config(groups(**{job.REGION: None})).region == "eu-west-1"


def test_initial_position_defaults_to_latest_and_is_case_insensitive():
    assert job.parse_config(groups(**{job.INITIAL_POSITION: None})).initial_position == "LATEST"
    assert job.parse_config(groups(**{job.INITIAL_POSITION: "trim_horizon"})).initial_position == "TRIM_HORIZON"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({job.INPUT_STREAM_ARN: None}, "input.stream.arn is missing"),
        ({job.OUTPUT_STREAM_ARN: ""}, "output.stream.arn is missing"),
        ({job.INPUT_STREAM_ARN: "ticks-in"}, "input.stream.arn must be a Kinesis stream ARN"),
        ({job.OUTPUT_STREAM_ARN: OUTPUT + "' ) WITH ('x"}, "output.stream.arn must be a Kinesis stream ARN"),
        ({job.INPUT_STREAM_ARN: "arn:aws:sqs:eu-west-1:123456789012:queue"}, "must be a Kinesis stream ARN"),
        ({job.REGION: "Europe"}, "aws.region must be a region code"),
        ({job.WINDOW_SECONDS: None}, "window.size.seconds is missing"),
        ({job.WINDOW_SECONDS: "1.5"}, "whole number of seconds"),
        ({job.WINDOW_SECONDS: "0"}, "between 1 and 86400"),
        ({job.WINDOW_SECONDS: "86401"}, "between 1 and 86400"),
        ({job.INITIAL_POSITION: "AT_TIMESTAMP"}, "source.init.position must be one of LATEST, TRIM_HORIZON"),
    ],
)
def test_bad_configuration_raises_a_clear_error(overrides, message):
    with pytest.raises(job.ConfigError, match=re.escape(message)):
        job.parse_config(groups(**overrides))


def test_missing_property_group_names_what_was_found():
    with pytest.raises(job.ConfigError, match=r"FlinkApplicationProperties is missing \(found: other\)"):
        job.parse_config({"other": {}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"PropertyGroupId": "g"}', "must be a JSON list"),
        ('[{"PropertyMap": {}}]', "without a PropertyGroupId"),
        ('[{"PropertyGroupId": "g", "PropertyMap": []}]', "PropertyMap of g must be an object"),
    ],
)
def test_malformed_properties_file_raises_a_clear_error(text, message):
    with pytest.raises(job.ConfigError, match=re.escape(message)):
        job.parse_property_groups(text)


def test_unreadable_properties_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(job.ConfigError, match=re.escape(str(missing))):
        job.load_property_groups(missing)


def test_properties_path_prefers_override_then_service_file_then_local(tmp_path):
    service = tmp_path / "application_properties.json"
    override = tmp_path / "mine.json"
    assert job.properties_path({job.PROPERTIES_ENV: str(override)}, service_path=service) == override
    assert job.properties_path({}, service_path=service).name == job.LOCAL_PROPERTIES_FILE
    assert job.properties_path({}, service_path=service).parent != tmp_path
    service.write_text("[]")
    assert job.properties_path({}, service_path=service) == service


def test_service_properties_path_is_the_managed_flink_location():
    assert str(job.APPLICATION_PROPERTIES_PATH) == "/etc/flink/application_properties.json"


def test_loads_config_from_a_file(tmp_path):
    path = tmp_path / "application_properties.json"
    path.write_text(service_json(groups(**{job.WINDOW_SECONDS: "300"})))
    assert job.parse_config(job.load_property_groups(path)).window_seconds == 300


@pytest.mark.parametrize(
    ("seconds", "literal"),
    [
        (1, "INTERVAL '1' SECOND"),
        (99, "INTERVAL '99' SECOND"),
        (120, "INTERVAL '2' MINUTE"),
        (300, "INTERVAL '5' MINUTE"),
        (3600, "INTERVAL '1' HOUR"),
        (86400, "INTERVAL '24' HOUR"),
        (150, "INTERVAL '2:30' MINUTE TO SECOND"),
        (5999, "INTERVAL '99:59' MINUTE TO SECOND"),
        (6000, "INTERVAL '1:40:00' HOUR TO SECOND"),
        (86399, "INTERVAL '23:59:59' HOUR TO SECOND"),
    ],
)
def test_interval_literal_keeps_the_leading_field_within_two_digits(seconds, literal):
    assert job.interval_literal(seconds) == literal


def test_interval_literal_rejects_non_positive_lengths():
    with pytest.raises(ValueError):
        job.interval_literal(0)


def _options(ddl):
    return dict(re.findall(r"'([^']+)' = '([^']*)'", ddl))


def test_source_table_reads_the_input_stream_with_the_kinesis_connector():
    config = job.parse_config(groups(**{job.INITIAL_POSITION: "TRIM_HORIZON"}))
    ddl = job.source_table_sql(config)
    assert ddl.startswith(f"CREATE TABLE {job.SOURCE_TABLE} (")
    assert _options(ddl) == {
        "connector": "kinesis",
        "stream.arn": INPUT,
        "aws.region": "eu-west-1",
        "source.init.position": "TRIM_HORIZON",
        "format": "json",
        "json.ignore-parse-errors": "true",
    }
    assert "proc_time AS PROCTIME()" in ddl


def test_sink_table_writes_the_output_stream_partitioned_by_ticker():
    ddl = job.sink_table_sql(job.parse_config(groups()))
    assert ddl.startswith(f"CREATE TABLE {job.SINK_TABLE} (")
    options = _options(ddl)
    assert (options["connector"], options["stream.arn"], options["aws.region"]) == ("kinesis", OUTPUT, "eu-west-1")
    assert options["format"] == "json"
    assert "PARTITIONED BY (ticker_symbol)" in ddl


def test_insert_aggregates_per_ticker_in_tumbling_windows_of_the_configured_size():
    sql = job.insert_sql(job.parse_config(groups(**{job.WINDOW_SECONDS: "300"})))
    assert sql.startswith(f"INSERT INTO {job.SINK_TABLE}\nSELECT")
    assert f"TUMBLE(TABLE {job.SOURCE_TABLE}, DESCRIPTOR(proc_time), INTERVAL '5' MINUTE)" in sql
    assert sql.rstrip().endswith("GROUP BY ticker_symbol, window_start, window_end")
    for aggregate in ("COUNT(*) AS trade_count", "AVG(price) AS avg_price", "MIN(price)", "MAX(price)"):
        assert aggregate in sql


def test_insert_columns_match_the_sink_columns():
    config = job.parse_config(groups())
    sink_columns = re.findall(r"^  (\w+) [A-Z]", job.sink_table_sql(config), re.MULTILINE)
    select = job.insert_sql(config).split("SELECT", 1)[1].split("FROM", 1)[0]
    selected = [item.strip().split()[-1] for item in select.split(",\n")]
    assert selected == sink_columns


def test_statements_run_source_sink_then_insert():
    create_source, create_sink, insert = job.statements(job.parse_config(groups()))
    assert job.SOURCE_TABLE in create_source and create_sink.startswith(f"CREATE TABLE {job.SINK_TABLE}")
    assert insert.startswith("INSERT INTO")
