#!/usr/bin/python3
"""Drive a Ganeti RAPI daemon with the REAL Ganeti 3.0 Python RAPI client.

Usage (Debian's interpreter, Ganeti's Python package on the path):

  PYTHONPATH=/usr/share/ganeti/3.0 /usr/bin/python3 rapi_driver.py \
      HOST PORT USER PASSWORD CAFILE SCRIPT_JSON

The client is ganeti.rapi.client.GanetiRapiClient over HTTPS; CAFILE is the
daemon's self-signed certificate, so the peer is verified (the host name is
not: the certificate names the master node, the client dials 127.0.0.1).

SCRIPT_JSON is a JSON list of calls (a file name, or '-' for stdin):

  [{"method": "GetInfo"},
   {"method": "GetInstances", "kwargs": {"bulk": true}},
   {"method": "ShutdownInstance", "args": ["web1.example.com"], "wait": true}]

Each call is a method of GanetiRapiClient with "args" and "kwargs". With
"wait": true the result is a job id: the driver waits for the job to finish
with WaitForJobChange (long polls on the daemon, no client-side sleeping),
then asks WaitForJobCompletion (one poll: true when the job succeeded) and
GetJobStatus, and adds them to the line as "succeeded" and "job".

One JSON line is printed per call:
  {"ok": true, "result": ..., ["succeeded": bool, "job": {...}]}
  {"ok": false, "error_class": "GanetiApiError", "message": "...", "code": 404}
The exit status is 0 when every line was printed, whatever the calls answered.
"""

import json
import sys

from ganeti.rapi import client as rapi

FINAL = frozenset(["success", "error", "canceled"])


def wait_for_job(cl, job_id, deadline_polls=200):
  """Waits until the job is final; returns (succeeded, GetJobStatus)."""
  prev_info = None
  prev_serial = None
  for _ in range(deadline_polls):
    change = cl.WaitForJobChange(job_id, ["status"], prev_info, prev_serial)
    if change is None:
      continue
    prev_info = change["job_info"]
    for entry in change.get("log_entries") or []:
      prev_serial = entry[0]
    if prev_info and prev_info[0] in FINAL:
      break
  succeeded = cl.WaitForJobCompletion(job_id, period=0, retries=1)
  return succeeded, cl.GetJobStatus(job_id)


def run_call(cl, call):
  method = getattr(cl, call["method"])
  result = method(*call.get("args", []), **call.get("kwargs", {}))
  line = {"ok": True, "result": result}
  if call.get("wait"):
    succeeded, job = wait_for_job(cl, result)
    line["succeeded"] = succeeded
    line["job"] = job
  return line


def main(argv):
  if len(argv) != 7:
    sys.stderr.write(__doc__)
    return 2
  host, port, user, password, cafile, script = argv[1:]
  if script == "-":
    calls = json.load(sys.stdin)
  else:
    with open(script) as handle:
      calls = json.load(handle)
  cl = rapi.GanetiRapiClient(
    host, port=int(port), username=user, password=password,
    curl_config_fn=rapi.GenericCurlConfig(cafile=cafile,
                                          verify_hostname=False))
  for call in calls:
    try:
      line = run_call(cl, call)
    except rapi.GanetiApiError as err:
      line = {"ok": False, "error_class": err.__class__.__name__,
              "message": str(err), "code": err.code}
    except rapi.Error as err:
      line = {"ok": False, "error_class": err.__class__.__name__,
              "message": str(err), "code": None}
    sys.stdout.write(json.dumps(line, default=repr) + "\n")
    sys.stdout.flush()
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
