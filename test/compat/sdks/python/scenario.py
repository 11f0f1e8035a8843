"""One compatibility scenario, written the way the official Zerobus Python SDK's README does it.

Usage: scenario.py sync|asyncio. Settings come from the environment the suite sets (see
test/compat/harness/scenario-env.ts). JSON streams ingest dicts; Protobuf streams pass the compiled
module's message DESCRIPTOR in TableProperties and ingest message objects (the module is what
`python -m grpc_tools.protoc --python_out` made of the `.proto` that `tributary generate-proto` wrote).
Prints `RESULT {"offsets": [...]}` at the end; with COMPAT_RESTART=1 it prints `PAUSED` after the first
half (flushed) and waits for a line on stdin before sending the second half.
"""
import asyncio
import base64
import importlib
import json
import os
import sys

from zerobus.sdk.shared import StreamConfigurationOptions, TableProperties

PROTO = os.environ["COMPAT_FORMAT"] == "proto"
RESTART = os.environ.get("COMPAT_RESTART") == "1"


def message_type():
    sys.path.insert(0, os.environ["COMPAT_PROTO_DIR"])
    module = importlib.import_module(os.environ["COMPAT_PROTO_FILE"].removesuffix(".proto") + "_pb2")
    return getattr(module, os.environ["COMPAT_PROTO_MESSAGE"])


def read_records():
    """Records file: one record a line, `<proto bytes as base64>\\t<JSON text>`."""
    message = message_type() if PROTO else None
    records = []
    with open(os.environ["COMPAT_RECORDS"], encoding="utf-8") as f:
        for line in f:
            proto, text = line.rstrip("\n").split("\t", 1)
            records.append(message.FromString(base64.b64decode(proto)) if PROTO else json.loads(text))
    return records, message


def stream_setup():
    records, message = read_records()
    table = os.environ["TABLE_NAME"]
    table_properties = TableProperties(table, message.DESCRIPTOR) if PROTO else TableProperties(table)
    # Long enough to ride out a server restart.
    options = StreamConfigurationOptions(recovery_retries=30, recovery_backoff_ms=1000) if RESTART else None
    return records, table_properties, options


def batches(records):
    size = int(os.environ["COMPAT_BATCH_SIZE"])
    return [records[i : i + size] for i in range(0, len(records), size)]


def run_sync():
    from zerobus.sdk.sync import ZerobusSdk

    records, table_properties, options = stream_setup()
    sdk = ZerobusSdk(os.environ["ZEROBUS_ENDPOINT"], os.environ["UC_ENDPOINT"])
    stream = sdk.create_stream(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"], table_properties, options)
    offsets = []

    def singles(part):
        first = len(offsets)
        for record in part:
            offsets.append(stream.ingest_record_offset(record))
        stream.wait_for_offset(offsets[first + (len(offsets) - first) // 2])
        stream.flush()

    try:
        if os.environ["COMPAT_MODE"] == "batch":
            for batch in batches(records):
                offset = stream.ingest_records_offset(batch)
                stream.wait_for_offset(offset)
                offsets.append(offset)
            stream.flush()
        elif RESTART:
            half = len(records) // 2
            singles(records[:half])
            print("PAUSED", flush=True)
            sys.stdin.readline()
            singles(records[half:])
        else:
            singles(records)
    finally:
        stream.close()
    return offsets


async def run_asyncio():
    from zerobus.sdk.aio import ZerobusSdk

    records, table_properties, options = stream_setup()
    sdk = ZerobusSdk(os.environ["ZEROBUS_ENDPOINT"], os.environ["UC_ENDPOINT"])
    stream = await sdk.create_stream(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"], table_properties, options)
    offsets = []

    async def singles(part):
        first = len(offsets)
        for record in part:
            offsets.append(await stream.ingest_record_offset(record))
        await stream.wait_for_offset(offsets[first + (len(offsets) - first) // 2])
        await stream.flush()

    try:
        if os.environ["COMPAT_MODE"] == "batch":
            for batch in batches(records):
                offset = await stream.ingest_records_offset(batch)
                await stream.wait_for_offset(offset)
                offsets.append(offset)
            await stream.flush()
        elif RESTART:
            half = len(records) // 2
            await singles(records[:half])
            print("PAUSED", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            await singles(records[half:])
        else:
            await singles(records)
    finally:
        await stream.close()
    return offsets


def main():
    if sys.argv[1] == "sync":
        print("RESULT " + json.dumps({"offsets": run_sync()}), flush=True)
        return
    print("RESULT " + json.dumps({"offsets": asyncio.run(run_asyncio())}), flush=True)
    # After asyncio.run returns, the SDK's native threads may still hand Python objects back while the
    # interpreter finalizes, which aborts the process about one run in six ("Fatal Python error:
    # PyGILState_Release ... finalizing"; see docs/compatibility.md). Everything was acknowledged and the
    # stream closed by now, so the program leaves without finalizing.
    os._exit(0)


if __name__ == "__main__":
    main()
