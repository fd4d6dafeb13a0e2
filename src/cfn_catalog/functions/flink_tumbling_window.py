"""PyFlink job: per-ticker tumbling-window aggregates from one Kinesis stream to another.

Runs on Amazon Managed Service for Apache Flink (runtime FLINK-1_20), deployed
by the `kinesis-analytics-app` template. It does what the Kinesis Data
Analytics for SQL sample of the original post did with a pump over
`SOURCE_SQL_STREAM_001`: read JSON stock-ticker records such as

    {"ticker_symbol": "AMZN", "sector": "TECHNOLOGY", "change": -0.15, "price": 182.5}

from the input stream, group them per ticker into tumbling windows of
`window.size.seconds` (processing time, like the SQL applications' ROWTIME),
and write one JSON record per ticker and window to the output stream:

    {"ticker_symbol": "AMZN", "window_start": "...", "window_end": "...",
     "trade_count": 12, "avg_price": 182.1, "min_price": 181.9, "max_price": 182.5}

Configuration comes from the application's runtime properties, which the
service writes to /etc/flink/application_properties.json; property group
`FlinkApplicationProperties` holds `input.stream.arn`, `output.stream.arn`,
`aws.region` (optional: defaults to the input stream's region),
`window.size.seconds` and `source.init.position` (LATEST, TRIM_HORIZON).
For a local run, point FLINK_APPLICATION_PROPERTIES at a file of the same
shape (or put application_properties.json next to this file) and
FLINK_CONNECTOR_JAR at the connector jar.

Code package (`cfn-catalog publish` builds it as assets/flink_tumbling_window.zip):

    flink_tumbling_window.py
    lib/flink-sql-connector-kinesis-5.0.0-1.20.jar

The jar is org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20 from
Maven Central; the template's ConnectorJarPath parameter names its path in
the zip.

Everything except `main()` is plain Python, so the SQL and the configuration
handling are tested without a Flink runtime; `make flink-check` also has a
local Flink 1.20 plan and run the SQL (tests/flink/).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APPLICATION_PROPERTIES_PATH = Path("/etc/flink/application_properties.json")
LOCAL_PROPERTIES_FILE = "application_properties.json"
PROPERTIES_ENV = "FLINK_APPLICATION_PROPERTIES"
CONNECTOR_JAR_ENV = "FLINK_CONNECTOR_JAR"
PROPERTY_GROUP = "FlinkApplicationProperties"

INPUT_STREAM_ARN = "input.stream.arn"
OUTPUT_STREAM_ARN = "output.stream.arn"
REGION = "aws.region"
WINDOW_SECONDS = "window.size.seconds"
INITIAL_POSITION = "source.init.position"

MAX_WINDOW_SECONDS = 86_400
INITIAL_POSITIONS = ("LATEST", "TRIM_HORIZON")
STREAM_ARN = re.compile(
    r"^arn:aws[a-z-]*:kinesis:(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d):\d{12}:stream/[A-Za-z0-9_.-]{1,128}$"
)
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")

SOURCE_TABLE = "ticker_events"
SINK_TABLE = "ticker_window_aggregates"


class ConfigError(ValueError):
    """The application properties are missing or invalid."""


@dataclass(frozen=True)
class JobConfig:
    input_stream_arn: str
    output_stream_arn: str
    region: str
    window_seconds: int
    initial_position: str = "LATEST"


def properties_path(environ: Mapping[str, str] | None = None, *, service_path: Path | None = None) -> Path:
    """Where the runtime properties are: an explicit override, the service's file, or a local file."""
    environ = os.environ if environ is None else environ
    service_path = APPLICATION_PROPERTIES_PATH if service_path is None else service_path
    if environ.get(PROPERTIES_ENV):
        return Path(environ[PROPERTIES_ENV])
    if service_path.is_file():
        return service_path
    return Path(__file__).resolve().with_name(LOCAL_PROPERTIES_FILE)


def parse_property_groups(text: str) -> dict[str, dict[str, str]]:
    """Property groups from the service's JSON: `[{"PropertyGroupId": ..., "PropertyMap": {...}}]`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"application properties are not valid JSON: {error}") from error
    if not isinstance(data, list):
        raise ConfigError("application properties must be a JSON list of property groups")
    groups: dict[str, dict[str, str]] = {}
    for group in data:
        if not isinstance(group, dict) or not isinstance(group.get("PropertyGroupId"), str):
            raise ConfigError(f"property group without a PropertyGroupId: {group!r}")
        properties = group.get("PropertyMap", {})
        if not isinstance(properties, dict):
            raise ConfigError(f"PropertyMap of {group['PropertyGroupId']} must be an object")
        groups[group["PropertyGroupId"]] = {str(k): str(v) for k, v in properties.items()}
    return groups


def load_property_groups(path: Path) -> dict[str, dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read application properties at {path}: {error.strerror}") from error
    return parse_property_groups(text)


def _required(properties: Mapping[str, str], key: str) -> str:
    value = properties.get(key, "").strip()
    if not value:
        raise ConfigError(f"property {key} is missing from property group {PROPERTY_GROUP}")
    return value


def _stream_arn(properties: Mapping[str, str], key: str) -> re.Match:
    value = _required(properties, key)
    match = STREAM_ARN.match(value)
    if not match:
        raise ConfigError(
            f"{key} must be a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>), got {value!r}"
        )
    return match


def parse_config(groups: Mapping[str, Mapping[str, str]]) -> JobConfig:
    """The job's settings from the property groups, validated."""
    if PROPERTY_GROUP not in groups:
        raise ConfigError(f"property group {PROPERTY_GROUP} is missing (found: {', '.join(sorted(groups)) or 'none'})")
    properties = groups[PROPERTY_GROUP]
    source = _stream_arn(properties, INPUT_STREAM_ARN)
    sink = _stream_arn(properties, OUTPUT_STREAM_ARN)
    region = properties.get(REGION, "").strip() or source.group("region")
    if not REGION_PATTERN.match(region):
        raise ConfigError(f"{REGION} must be a region code such as us-east-1, got {region!r}")
    raw_window = _required(properties, WINDOW_SECONDS)
    try:
        window = int(raw_window)
    except ValueError:
        raise ConfigError(f"{WINDOW_SECONDS} must be a whole number of seconds, got {raw_window!r}") from None
    if not 1 <= window <= MAX_WINDOW_SECONDS:
        raise ConfigError(f"{WINDOW_SECONDS} must be between 1 and {MAX_WINDOW_SECONDS}, got {window}")
    position = properties.get(INITIAL_POSITION, "LATEST").strip().upper() or "LATEST"
    if position not in INITIAL_POSITIONS:
        raise ConfigError(f"{INITIAL_POSITION} must be one of {', '.join(INITIAL_POSITIONS)}, got {position!r}")
    return JobConfig(
        input_stream_arn=source.group(0),
        output_stream_arn=sink.group(0),
        region=region,
        window_seconds=window,
        initial_position=position,
    )


def interval_literal(seconds: int) -> str:
    """A Flink SQL interval of `seconds` whose leading field fits the default precision of 2 digits."""
    if seconds < 1:
        raise ValueError("an interval must be at least one second")
    if seconds % 3600 == 0 and seconds // 3600 < 100:
        return f"INTERVAL '{seconds // 3600}' HOUR"
    if seconds % 60 == 0 and seconds // 60 < 100:
        return f"INTERVAL '{seconds // 60}' MINUTE"
    if seconds < 100:
        return f"INTERVAL '{seconds}' SECOND"
    minutes, secs = divmod(seconds, 60)
    if minutes < 100:
        return f"INTERVAL '{minutes}:{secs:02d}' MINUTE TO SECOND"
    hours, minutes = divmod(minutes, 60)
    return f"INTERVAL '{hours}:{minutes:02d}:{secs:02d}' HOUR TO SECOND"


def source_table_sql(config: JobConfig) -> str:
    return f"""CREATE TABLE {SOURCE_TABLE} (
  ticker_symbol STRING,
  sector STRING,
  `change` DOUBLE,
  price DOUBLE,
  proc_time AS PROCTIME()
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = '{config.input_stream_arn}',
  'aws.region' = '{config.region}',
  'source.init.position' = '{config.initial_position}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
)"""


def sink_table_sql(config: JobConfig) -> str:
    return f"""CREATE TABLE {SINK_TABLE} (
  ticker_symbol STRING,
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  trade_count BIGINT,
  avg_price DOUBLE,
  min_price DOUBLE,
  max_price DOUBLE
)
PARTITIONED BY (ticker_symbol)
WITH (
  'connector' = 'kinesis',
  'stream.arn' = '{config.output_stream_arn}',
  'aws.region' = '{config.region}',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
)"""


def insert_sql(config: JobConfig) -> str:
    return f"""INSERT INTO {SINK_TABLE}
SELECT
  ticker_symbol,
  window_start,
  window_end,
  COUNT(*) AS trade_count,
  AVG(price) AS avg_price,
  MIN(price) AS min_price,
  MAX(price) AS max_price
FROM TABLE(
  TUMBLE(TABLE {SOURCE_TABLE}, DESCRIPTOR(proc_time), {interval_literal(config.window_seconds)})
)
WHERE ticker_symbol IS NOT NULL AND price IS NOT NULL
GROUP BY ticker_symbol, window_start, window_end"""


def statements(config: JobConfig) -> list[str]:
    """The job: source table, sink table, then the continuous INSERT."""
    return [source_table_sql(config), sink_table_sql(config), insert_sql(config)]


def main() -> None:  # pragma: no cover - needs a Flink runtime
    from pyflink.table import EnvironmentSettings, TableEnvironment

    config = parse_config(load_property_groups(properties_path()))
    table_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    local_jar = os.environ.get(CONNECTOR_JAR_ENV)
    if local_jar:
        table_env.get_config().set("pipeline.jars", Path(local_jar).resolve().as_uri())
    create_source, create_sink, insert = statements(config)
    table_env.execute_sql(create_source)
    table_env.execute_sql(create_sink)
    result = table_env.execute_sql(insert)
    if local_jar:
        # Locally, keep the process alive; on the service the submitted job runs on.
        result.wait()


if __name__ == "__main__":
    main()
