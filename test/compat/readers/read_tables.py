"""Reads Delta tables with one independent engine and prints them in one canonical JSON form.

Usage: read_tables.py ENGINE < request.json, ENGINE one of deltalake, duckdb, spark. The request is
{"tables": [{"name": str, "path": str, "files": [str, ...]}]}: `path` is the table root (delta-rs and Spark
read the Delta log themselves), `files` the Parquet files of the snapshot (DuckDB reads just those).

Output: {"<name>": {"columns": [[name, type], ...], "rows": [[value, ...], ...]}} or {"<name>": {"error": str}}.
Types are Spark's simpleString names (bigint, timestamp, decimal(12,2), struct<a:int>, ...), each derived
from the engine's own type system. Values: integers as decimal strings (exact beyond 2^53), floats as JSON
numbers, decimals as their text, dates as ISO dates, timestamps as integer microseconds since the epoch
(as a string), binary as base64, maps as [key, value] pairs sorted by key, structs as objects.
"""
import base64
import datetime
import decimal
import json
import os
import sys

EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_NAIVE = datetime.datetime(1970, 1, 1)
MICROSECOND = datetime.timedelta(microseconds=1)


def canonical(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        epoch = EPOCH_NAIVE if value.tzinfo is None else EPOCH_UTC
        return str((value - epoch) // MICROSECOND)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(isinstance(e, tuple) and len(e) == 2 for e in value) and value:
            return sorted([[canonical(k), canonical(v)] for k, v in value], key=lambda kv: json.dumps(kv[0]))
        return [canonical(e) for e in value]
    raise TypeError(f"no canonical form for {type(value).__name__}: {value!r}")


def arrow_type_name(t):
    import pyarrow as pa

    simple = [
        (pa.types.is_int8, "tinyint"), (pa.types.is_int16, "smallint"), (pa.types.is_int32, "int"),
        (pa.types.is_int64, "bigint"), (pa.types.is_float32, "float"), (pa.types.is_float64, "double"),
        (pa.types.is_boolean, "boolean"), (pa.types.is_date32, "date"),
    ]
    for test, name in simple:
        if test(t):
            return name
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "binary"
    if pa.types.is_timestamp(t):
        name = "timestamp" if t.tz is not None else "timestamp_ntz"
        return name if t.unit == "us" else f"{name}[{t.unit}]"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_map(t):
        return f"map<{arrow_type_name(t.key_type)},{arrow_type_name(t.item_type)}>"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return f"array<{arrow_type_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{arrow_type_name(f.type)}" for f in t) + ">"
    return f"arrow:{t}"


DUCKDB_SIMPLE = {
    "tinyint": "tinyint", "smallint": "smallint", "integer": "int", "bigint": "bigint", "float": "float",
    "double": "double", "boolean": "boolean", "varchar": "string", "blob": "binary", "date": "date",
    "timestamp with time zone": "timestamp", "timestamp": "timestamp_ntz",
}


def duckdb_type_name(t):
    if t.id in DUCKDB_SIMPLE:
        return DUCKDB_SIMPLE[t.id]
    children = dict(t.children) if t.id in ("decimal", "map") else None
    if t.id == "decimal":
        return f"decimal({children['precision']},{children['scale']})"
    if t.id == "list":
        return f"array<{duckdb_type_name(t.children[0][1])}>"
    if t.id == "map":
        return f"map<{duckdb_type_name(children['key'])},{duckdb_type_name(children['value'])}>"
    if t.id == "struct":
        return "struct<" + ",".join(f"{name}:{duckdb_type_name(child)}" for name, child in t.children) + ">"
    return f"duckdb:{t}"


TO_MICROS = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}


def micros(column):
    """A top-level timestamp column as int64 microseconds, so a value off by a unit shows as a number
    (Python's datetime cannot even hold a microsecond count read as milliseconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ints = pc.cast(column, pa.int64())
    factor = TO_MICROS[column.type.unit]
    return pc.divide(ints, 1_000) if factor is None else pc.multiply(ints, factor)


def arrow_rows(table):
    import pyarrow as pa

    columns = [micros(c) if pa.types.is_timestamp(c.type) else c for c in table.columns]
    return [list(map(canonical, row)) for row in zip(*(c.to_pylist() for c in columns))]


def deltalake_reader():
    from deltalake import DeltaTable

    def read(spec):
        data = DeltaTable(spec["path"]).to_pyarrow_table()
        return {"columns": [[f.name, arrow_type_name(f.type)] for f in data.schema], "rows": arrow_rows(data)}

    return read, lambda: None


def duckdb_reader():
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")

    def read(spec):
        if not spec["files"]:
            return {"error": "the snapshot lists no data files"}
        relation = con.read_parquet(spec["files"])
        columns = [[name, duckdb_type_name(t)] for name, t in zip(relation.columns, relation.types)]
        return {"columns": columns, "rows": arrow_rows(relation.fetch_arrow_table())}

    return read, con.close


def spark_reader():
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[1]")
        .appName("tributary-compat")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
    )
    ivy = os.environ.get("COMPAT_IVY_DIR")
    if ivy:
        builder = builder.config("spark.jars.ivy", ivy)
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")

    def read(spec):
        frame = spark.read.format("delta").load(spec["path"])
        columns = [[f.name, f.dataType.simpleString()] for f in frame.schema.fields]
        return {"columns": columns, "rows": arrow_rows(frame.toArrow())}

    return read, spark.stop


ENGINES = {"deltalake": deltalake_reader, "duckdb": duckdb_reader, "spark": spark_reader}


def main():
    request = json.load(sys.stdin)
    read, close = ENGINES[sys.argv[1]]()
    out = {}
    try:
        for spec in request["tables"]:
            try:
                out[spec["name"]] = read(spec)
            except Exception as e:  # one table failing must not hide what the engine says about the others
                out[spec["name"]] = {"error": f"{type(e).__name__}: {e}"}
    finally:
        close()
    json.dump(out, sys.stdout)
    sys.stdout.flush()
    # Native runtimes (delta-rs's among them) can abort in their teardown at interpreter exit on a loaded
    # machine; the answer is out, so leave without it.
    os._exit(0)


if __name__ == "__main__":
    main()
