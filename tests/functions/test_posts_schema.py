"""The Posts API schema is valid GraphQL as AppSync reads it, with the fields the post describes."""

from importlib import resources

import pytest
from graphql import GraphQLList, GraphQLNonNull, build_schema, get_named_type, parse, validate

SCHEMA = resources.files("cfn_catalog.functions").joinpath("posts_schema.graphql").read_text(encoding="utf-8")

# What AppSync adds to every schema and graphql-core does not know: its scalars
# and its directives (only declarations; AppSync implements them).
APPSYNC_PRELUDE = """
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_api_key on FIELD_DEFINITION | OBJECT
directive @aws_iam on FIELD_DEFINITION | OBJECT
directive @aws_oidc on FIELD_DEFINITION | OBJECT
directive @aws_lambda on FIELD_DEFINITION | OBJECT
directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT
"""


@pytest.fixture(scope="module")
def schema():
    return build_schema(APPSYNC_PRELUDE + SCHEMA)


def test_schema_builds_and_declares_all_root_types(schema):
    assert schema.query_type.name == "Query"
    assert schema.mutation_type.name == "Mutation"
    assert schema.subscription_type.name == "Subscription"


def test_schema_does_not_build_without_the_appsync_directives():
    with pytest.raises(TypeError, match="aws_subscribe"):
        build_schema(SCHEMA)


def test_post_type_has_exactly_a_required_id_and_title(schema):
    post = schema.type_map["Post"]
    assert {name: str(field.type) for name, field in post.fields.items()} == {"id": "ID!", "title": "String!"}


def _signature(field):
    return str(field.type), {name: str(arg.type) for name, arg in field.args.items()}


def test_root_fields_match_the_post(schema):
    query = schema.query_type.fields
    assert {name: _signature(f) for name, f in query.items()} == {
        "singlePost": ("Post", {"id": "ID!"}),
        "allPosts": ("[Post]", {}),
        "postsByIds": ("[Post]", {"ids": "[ID!]!"}),
    }
    assert {name: _signature(f) for name, f in schema.mutation_type.fields.items()} == {
        "putPost": ("Post", {"id": "ID!", "title": "String!"})
    }
    assert {name: _signature(f) for name, f in schema.subscription_type.fields.items()} == {"onPutPost": ("Post", {})}


def test_subscription_listens_to_an_existing_mutation_of_the_same_type(schema):
    field = schema.subscription_type.fields["onPutPost"]
    (directive,) = [d for d in field.ast_node.directives if d.name.value == "aws_subscribe"]
    (argument,) = directive.arguments
    mutations = [value.value for value in argument.value.values]
    assert mutations == ["putPost"]
    for mutation in mutations:
        assert get_named_type(schema.mutation_type.fields[mutation].type) is get_named_type(field.type)


def test_postsbyids_takes_a_required_list_of_required_ids(schema):
    ids = schema.query_type.fields["postsByIds"].args["ids"].type
    assert isinstance(ids, GraphQLNonNull) and isinstance(ids.of_type, GraphQLList)
    assert isinstance(ids.of_type.of_type, GraphQLNonNull)


@pytest.mark.parametrize(
    "operation",
    [
        'query { singlePost(id: "1") { id title } }',
        "query { allPosts { id title } }",
        'query { postsByIds(ids: ["1", "2"]) { id title } }',
        'mutation { putPost(id: "1", title: "Hello") { id title } }',
        "subscription { onPutPost { id title } }",
    ],
)
def test_client_operations_validate(schema, operation):
    assert validate(schema, parse(operation)) == []


@pytest.mark.parametrize(
    "operation",
    [
        "query { singlePost { id } }",  # id is required
        'mutation { putPost(id: "1") { id } }',  # title is required
        "query { postsByIds(ids: [null]) { id } }",  # ids are non-null
        'query { singlePost(id: "1") { body } }',  # no such field
    ],
)
def test_invalid_operations_are_rejected(schema, operation):
    assert validate(schema, parse(operation)) != []
