#!/usr/bin/python3
"""Drive a luxi server with the REAL Ganeti 3.0 Python luxi client.

Usage (Debian's interpreter, Ganeti's Python package on the path):

  PYTHONPATH=/usr/share/ganeti/3.0 /usr/bin/python3 luxi_driver.py \
      SOCKET SCRIPT_JSON

SCRIPT_JSON is a JSON list of calls (a file name, or '-' for stdin, or the
JSON text itself when it starts with '['):

  [{"method": "QueryClusterInfo", "args": []},
   {"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", ...}]]},
   {"method": "WaitForJobChangeOnce",
    "args": [{"$ref": -1}, ["status"], null, null],
    "until_finalized": true}]

Method names are those of ganeti.luxi.Client (QueryClusterInfo, QueryNodes,
Query, QueryFields, SubmitJob, SubmitJobToDrainedQueue, SubmitManyJobs,
WaitForJobChangeOnce, WaitForJobChange, PickupJob, ArchiveJob,
AutoArchiveJobs, CancelJob, ChangeJobPriority, SetQueueDrainFlag (alias
SetDrainFlag), SetWatcherPause, QueryJobs, QueryFilters, ReplaceFilter,
DeleteFilter, QueryInstances, QueryGroups, QueryNetworks, QueryExports,
QueryConfigValues, QueryTags) plus "CallMethod" (args: [wire_method, [args]])
to send anything raw through the same client.

Opcodes for SubmitJob / SubmitJobToDrainedQueue / SubmitManyJobs are plain
dicts with an "OP_ID"; they are turned into opcode objects with
opcodes.OpCode.LoadOpCode, exactly what the client expects; parameters
left out get their opcode defaults (as the opcode constructors used by gnt-*
and RAPI do), so a minimal dict works. "raw_ops": true in the call object
skips the defaults (LoadOpCode only), to see what luxid says about that.

Driver-only extensions in a call object (never sent on the wire):
  "id": "name"            names this entry, for {"$ref": "name"};
  {"$ref": N}             in args: the result of call N (0-based; negative
                          counts back from this call, -1 = previous call;
                          or a string: the entry with that "id");
  {"$ref": [N, k1, ...]}  in args: that result indexed by k1, ...;
  {"$epoch_ns": true}     in args: utils.EpochNano() now, the nanosecond
                          timestamp gnt-* put in an opcode's reason trail;
  "until_finalized": true for WaitForJobChangeOnce: repeat the call, feeding
                          back the previous job info and log serial, until
                          the first requested field (normally "status") is
                          success/error/canceled (at most "max_repeats", 100).

Output: exactly ONE JSON line per script entry on stdout:
  {"ok": true, "result": <json>}
  {"ok": false, "error_class": "OpPrereqError", "error_module":
   "ganeti.errors", "error_args": [...]}
QueryResponse/QueryFieldsResponse results are converted with ToDict(). With
until_finalized the line also has "calls" (how many luxi calls were made) and
"history" (every intermediate result). With LUXI_DRIVER_TIMING=1 each line
also has "ms" (wall time of the entry). Integers print exactly (Python ints).

The whole run is bounded by a global alarm (LUXI_DRIVER_TIMEOUT seconds,
default 60): if it fires the driver prints a message on stderr and exits 3.
Exit status: 0 when every entry ran (whatever it returned), 2 on bad usage or
a bad script, 3 on the global timeout, 4 if the client could not be created.
"""

import copy
import json
import os
import signal
import sys
import time

EXIT_USAGE = 2
EXIT_TIMEOUT = 3
EXIT_CONNECT = 4

FINALIZED = ("success", "error", "canceled")
DEBIAN_GANETI_PYTHONPATH = "/usr/share/ganeti/3.0"


def _on_alarm(signum, frame):  # pylint: disable=W0613
  sys.stdout.flush()
  sys.stderr.write("luxi_driver: global timeout (%s s) fired, giving up\n"
                   % os.environ.get("LUXI_DRIVER_TIMEOUT", "60"))
  sys.stderr.flush()
  os._exit(EXIT_TIMEOUT)  # pylint: disable=W0212


def to_json(value):
  """Converts a client result (or exception argument) into plain JSON data."""
  if value is None or isinstance(value, (bool, int, float, str)):
    return value
  if isinstance(value, (list, tuple)):
    return [to_json(v) for v in value]
  if isinstance(value, dict):
    return dict((str(k), to_json(v)) for (k, v) in value.items())
  if isinstance(value, (set, frozenset)):
    return [to_json(v) for v in sorted(value, key=repr)]
  if isinstance(value, bytes):
    return {"$bytes_repr": repr(value)}
  if hasattr(value, "ToDict"):
    return to_json(value.ToDict())
  if type(value).__name__ == "Private" and hasattr(value, "Get"):
    return {"$private": to_json(value.Get())}
  if hasattr(value, "__getstate__") and hasattr(value, "OP_ID"):
    state = dict(value.__getstate__())
    state["OP_ID"] = value.OP_ID
    return to_json(state)
  return {"$repr": repr(value)}


def error_line(err):
  cls = type(err)
  return {"ok": False,
          "error_class": cls.__name__,
          "error_args": to_json(list(err.args)),
          "error_module": cls.__module__}


def resolve(value, results, labels, here, epoch_nano):
  """Replaces {"$ref": ...} and {"$epoch_ns": ...} placeholders."""
  if isinstance(value, dict):
    if set(value) == set(["$epoch_ns"]):
      return epoch_nano()
    if set(value) == set(["$ref"]):
      ref = value["$ref"]
      path = ref if isinstance(ref, list) else [ref]
      idx = path[0]
      if isinstance(idx, str):
        if idx not in labels:
          raise ValueError("$ref to unknown label %r" % idx)
        idx = labels[idx]
      elif idx < 0:
        idx = here + idx
      if not 0 <= idx < len(results):
        raise ValueError("$ref to call %r, which has not run" % (path[0], ))
      if results[idx] is None:
        raise ValueError("$ref to call %r, which failed" % (path[0], ))
      out = results[idx][0]
      for key in path[1:]:
        out = out[key]
      return out
    return dict((k, resolve(v, results, labels, here, epoch_nano))
                for (k, v) in value.items())
  if isinstance(value, list):
    return [resolve(v, results, labels, here, epoch_nano) for v in value]
  return value


def main(argv):
  if len(argv) != 3:
    sys.stderr.write("usage: %s SOCKET SCRIPT_JSON\n" % argv[0])
    return EXIT_USAGE

  signal.signal(signal.SIGALRM, _on_alarm)
  signal.alarm(int(os.environ.get("LUXI_DRIVER_TIMEOUT", "60")))

  socket_path, script_arg = argv[1], argv[2]
  try:
    if script_arg == "-":
      script = json.load(sys.stdin)
    elif script_arg.lstrip().startswith("["):
      script = json.loads(script_arg)
    else:
      with open(script_arg) as f:
        script = json.load(f)
    if not isinstance(script, list):
      raise ValueError("script must be a JSON list")
  except (OSError, ValueError) as err:
    sys.stderr.write("luxi_driver: bad script: %s\n" % err)
    return EXIT_USAGE

  # Imported late so that usage errors do not need Ganeti. Falls back to
  # Debian's location when PYTHONPATH was not set.
  try:
    import ganeti  # pylint: disable=C0415,W0611
  except ImportError:
    sys.path.insert(0, DEBIAN_GANETI_PYTHONPATH)
  from ganeti import luxi  # pylint: disable=C0415
  from ganeti import opcodes  # pylint: disable=C0415
  from ganeti import utils  # pylint: disable=C0415

  def load_op(data, raw):
    # LoadOpCode only sets the keys given; like the opcode constructor (what
    # gnt-* and RAPI use), also fill in the defaults of all other parameters
    # (reason=[], priority=0, depends/comment/dry_run/debug_level=None...),
    # unless the entry asks for "raw_ops".
    op = opcodes.OpCode.LoadOpCode(data)
    if not raw:
      for (name, default, _, _) in op.GetAllParams():
        if not hasattr(op, name):
          setattr(op, name, copy.deepcopy(default))
    return op

  def load_ops(ops, raw):
    return [load_op(op, raw) if isinstance(op, dict) else op for op in ops]

  try:
    client = luxi.Client(address=socket_path)
  except Exception as err:  # pylint: disable=W0703
    print(json.dumps(error_line(err), sort_keys=True))
    sys.stdout.flush()
    return EXIT_CONNECT

  timing = os.environ.get("LUXI_DRIVER_TIMING") == "1"
  aliases = {"SetDrainFlag": "SetQueueDrainFlag"}
  results = []  # per entry: (result,) or None when it failed
  labels = {}  # "id" of an entry -> its index
  for here, call in enumerate(script):
    t0 = time.time()
    line = None
    try:
      if not isinstance(call, dict) or "method" not in call:
        raise ValueError("script entry %d is not {\"method\": ...}" % here)
      name = aliases.get(call["method"], call["method"])
      if "id" in call:
        labels[call["id"]] = here
      args = resolve(call.get("args", []), results, labels, here,
                     utils.EpochNano)
      if not isinstance(args, list):
        raise ValueError("args of entry %d must be a list" % here)
      raw = bool(call.get("raw_ops"))
      if name in ("SubmitJob", "SubmitJobToDrainedQueue"):
        args = [load_ops(args[0], raw)] + args[1:]
      elif name == "SubmitManyJobs":
        args = [[load_ops(ops, raw) for ops in args[0]]] + args[1:]
      if name.startswith("_") or not hasattr(client, name):
        raise AttributeError("luxi.Client has no method %r" % name)
      method = getattr(client, name)

      if name == "WaitForJobChangeOnce" and call.get("until_finalized"):
        args = list(args)
        while len(args) < 4:
          args.append(None)
        history = []
        max_repeats = int(call.get("max_repeats", 100))
        result = None
        for _ in range(max_repeats):
          result = method(*args)
          history.append(to_json(result))
          if not (isinstance(result, (list, tuple)) and len(result) == 2):
            break
          (job_info, log_entries) = result
          if job_info and job_info[0] in FINALIZED:
            break
          args[2] = job_info
          if log_entries:
            args[3] = max(entry[0] for entry in log_entries)
        line = {"ok": True, "result": to_json(result),
                "calls": len(history), "history": history}
      else:
        result = method(*args)
        line = {"ok": True, "result": to_json(result)}
      results.append((result, ))
    except Exception as err:  # pylint: disable=W0703
      line = error_line(err)
      results.append(None)
    if timing:
      line["ms"] = round((time.time() - t0) * 1000.0, 3)
    print(json.dumps(line, sort_keys=True))
    sys.stdout.flush()

  try:
    client.Close()
  except Exception:  # pylint: disable=W0703
    pass
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
