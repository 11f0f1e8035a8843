"""Reads a table's metadata with the Databricks SDK for Python, as a service principal would (OAuth M2M).

Settings: UC_ENDPOINT (the workspace URL), CLIENT_ID, CLIENT_SECRET, TABLE_NAME. Prints the TableInfo
fields the suite checks, as JSON.
"""
import json
import os

from databricks.sdk import WorkspaceClient

w = WorkspaceClient(
    host=os.environ["UC_ENDPOINT"],
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
)
table = w.tables.get(full_name=os.environ["TABLE_NAME"])
print(
    json.dumps(
        {
            "full_name": table.full_name,
            "catalog_name": table.catalog_name,
            "schema_name": table.schema_name,
            "name": table.name,
            "table_type": table.table_type.value if table.table_type else None,
            "data_source_format": table.data_source_format.value if table.data_source_format else None,
            "storage_location": table.storage_location,
            "columns": [
                [c.name, c.type_text, c.type_name.value if c.type_name else None, c.nullable, c.position]
                for c in table.columns or []
            ],
        }
    )
)
