#!/usr/bin/python3
"""Print the REAL Ganeti 3.0 RAPI resource table as JSON, for the differential test.

Usage (Debian's interpreter, Ganeti's Python package on the path):

  PYTHONPATH=/usr/share/ganeti/3.0 /usr/bin/python3 rapi_connector.py

One JSON list on stdout, one entry per URL pattern of ganeti.rapi.connector:

  {"pattern": "^/2/nodes/([\\w\\._-]+)/tags$", "literal": false,
   "handler": "R_2_nodes_name_tags",
   "methods": {"GET": [], "PUT": ["write"], "DELETE": ["write"]}}

"methods" maps each HTTP method the handler answers to the access rights it
requires (an empty list: anybody). Methods are found on an instance, since
opcode resources gain theirs when they are instantiated.
"""

import json
import sys

from ganeti.rapi import baserlib
from ganeti.rapi import connector

METHODS = ["GET", "PUT", "POST", "DELETE"]


def describe(key, handler):
  literal = isinstance(key, str)
  pattern = key if literal else key.pattern
  groups = 0 if literal else key.groups
  instance = handler(["x"] * max(groups, 1), {}, None)
  methods = {}
  for method in METHODS:
    if hasattr(instance, method):
      methods[method] = list(baserlib.GetHandlerAccess(instance, method))
  return {"pattern": pattern, "literal": literal,
          "handler": handler.__name__, "methods": methods}


def main():
  table = [describe(key, handler)
           for key, handler in connector.CONNECTOR.items()]
  table.sort(key=lambda entry: entry["pattern"])
  json.dump(table, sys.stdout, indent=1)
  sys.stdout.write("\n")
  return 0


if __name__ == "__main__":
  sys.exit(main())
