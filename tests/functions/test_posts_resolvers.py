"""The Posts API's APPSYNC_JS resolvers, run under Node.js against a stand-in of `@aws-appsync/utils`.

The stand-in implements just what the resolvers use (DynamoDB attribute
conversion, errors, early return) the way AppSync documents it; the tests check
the DynamoDB requests the resolvers build and how they shape responses.
"""

import json
import shutil
import subprocess
from importlib import resources

import pytest

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the JavaScript resolvers")

FUNCTIONS = resources.files("cfn_catalog.functions")
TABLE = "stack-PostsTable-ABC123"

APPSYNC_UTILS = r"""
class AppSyncError extends Error {
  constructor(message, type) { super(message); this.type = type; }
}
class EarlyReturn extends Error {
  constructor(value) { super('early return'); this.value = value; }
}
function toAttribute(value) {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  return { M: toMapValues(value) };
}
function toMapValues(object) {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, toAttribute(v)]));
}
export const appendedErrors = [];
export const util = {
  dynamodb: { toMapValues },
  error(message, type) { throw new AppSyncError(message, type); },
  appendError(message, type) { appendedErrors.push({ message, type }); },
};
export const runtime = {
  earlyReturn(value) { throw new EarlyReturn(value); },
};
export { AppSyncError, EarlyReturn };
"""

HARNESS = r"""
import { pathToFileURL } from 'node:url';
import { appendedErrors, AppSyncError, EarlyReturn } from '@aws-appsync/utils';
const [file, handler, ctxJson] = process.argv.slice(2);
const module = await import(pathToFileURL(file).href);
let outcome;
try {
  outcome = { value: module[handler](JSON.parse(ctxJson)) };
} catch (e) {
  if (e instanceof EarlyReturn) outcome = { earlyReturn: e.value };
  else if (e instanceof AppSyncError) outcome = { error: { message: e.message, type: e.type } };
  else throw e;
}
outcome.appendedErrors = appendedErrors;
console.log(JSON.stringify(outcome));
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("appsync-js")
    (root / "package.json").write_text('{"type": "module"}')
    utils = root / "node_modules" / "@aws-appsync" / "utils"
    utils.mkdir(parents=True)
    (utils / "package.json").write_text('{"name": "@aws-appsync/utils", "type": "module", "main": "index.js"}')
    (utils / "index.js").write_text(APPSYNC_UTILS)
    (root / "harness.js").write_text(HARNESS)
    for entry in FUNCTIONS.iterdir():
        if entry.name.endswith(".js"):
            (root / entry.name).write_text(entry.read_text(encoding="utf-8"))
    return root


@pytest.fixture
def run(sandbox):
    def run(resolver, handler, *, args=None, result=None, error=None):
        ctx = {"args": args or {}, "env": {"POSTS_TABLE": TABLE}, "result": result, "error": error}
        completed = subprocess.run(
            [NODE, str(sandbox / "harness.js"), str(sandbox / resolver), handler, json.dumps(ctx)],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    return run


def test_single_post_gets_the_item_by_id(run):
    out = run("posts_single_post.js", "request", args={"id": "p1"})
    assert out["value"] == {"operation": "GetItem", "key": {"id": {"S": "p1"}}}
    post = {"id": "p1", "title": "Hello"}
    assert run("posts_single_post.js", "response", args={"id": "p1"}, result=post)["value"] == post


def test_all_posts_scans_and_returns_the_items(run):
    assert run("posts_all_posts.js", "request")["value"] == {"operation": "Scan"}
    items = [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}]
    assert run("posts_all_posts.js", "response", result={"items": items, "nextToken": None})["value"] == items


def test_posts_by_ids_is_one_batch_get_on_the_table_without_duplicates(run):
    out = run("posts_by_ids.js", "request", args={"ids": ["a", "b", "a"]})
    assert out["value"] == {
        "operation": "BatchGetItem",
        "tables": {TABLE: {"keys": [{"id": {"S": "a"}}, {"id": {"S": "b"}}], "consistentRead": False}},
    }


def test_posts_by_ids_answers_in_request_order_with_null_for_missing_posts(run):
    result = {
        "data": {TABLE: [{"id": "b", "title": "B"}, None, {"id": "a", "title": "A"}]},
        "unprocessedKeys": {TABLE: []},
    }
    out = run("posts_by_ids.js", "response", args={"ids": ["a", "missing", "b", "a"]}, result=result)
    assert out["value"] == [{"id": "a", "title": "A"}, None, {"id": "b", "title": "B"}, {"id": "a", "title": "A"}]
    assert out["appendedErrors"] == []


def test_posts_by_ids_reports_unprocessed_keys(run):
    result = {"data": {TABLE: [{"id": "a", "title": "A"}]}, "unprocessedKeys": {TABLE: [{"id": {"S": "b"}}]}}
    out = run("posts_by_ids.js", "response", args={"ids": ["a", "b"]}, result=result)
    assert out["value"] == [{"id": "a", "title": "A"}, None]
    assert out["appendedErrors"] == [{"message": "1 posts were not read (throttled); retry", "type": "UnprocessedKeys"}]


def test_posts_by_ids_with_no_ids_skips_dynamodb(run):
    assert run("posts_by_ids.js", "request", args={"ids": []}) == {"earlyReturn": [], "appendedErrors": []}


def test_posts_by_ids_rejects_more_ids_than_one_batch_reads(run):
    assert "value" in run("posts_by_ids.js", "request", args={"ids": [str(i) for i in range(100)]})
    out = run("posts_by_ids.js", "request", args={"ids": [str(i) for i in range(101)]})
    assert out["error"]["type"] == "ValidationError" and "100" in out["error"]["message"]


def test_put_post_writes_id_as_key_and_title_as_attribute(run):
    out = run("posts_put_post.js", "request", args={"id": "p1", "title": "Hello"})
    assert out["value"] == {
        "operation": "PutItem",
        "key": {"id": {"S": "p1"}},
        "attributeValues": {"title": {"S": "Hello"}},
    }


@pytest.mark.parametrize(
    "resolver", ["posts_single_post.js", "posts_all_posts.js", "posts_by_ids.js", "posts_put_post.js"]
)
def test_data_source_errors_become_graphql_errors(run, resolver):
    error = {"message": "Requested resource not found", "type": "DynamoDB:ResourceNotFoundException"}
    out = run(resolver, "response", args={"ids": []}, error=error)
    assert out["error"] == error


def test_subscription_resolver_accepts_the_subscription(run):
    assert run("posts_on_put_post.js", "request")["value"] == {"payload": None}
    assert run("posts_on_put_post.js", "response")["value"] is None
