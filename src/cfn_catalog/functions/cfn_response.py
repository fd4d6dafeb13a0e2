"""Answer a CloudFormation custom resource request (PUT to its pre-signed response URL).

Inline Lambda code is one file, so `blocks.lambdas.inline_source` copies this
module into each handler in place of the line importing it.
"""

import json
import urllib.request


def send(event, status, reason, physical_id):
    if not event["ResponseURL"].startswith("https://"):
        raise ValueError("ResponseURL must be https")
    keys = ("StackId", "RequestId", "LogicalResourceId")
    body = {"Status": status, "Reason": reason[:1000], "PhysicalResourceId": physical_id, **{k: event[k] for k in keys}}
    data = json.dumps(body).encode()
    request = urllib.request.Request(event["ResponseURL"], data=data, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
