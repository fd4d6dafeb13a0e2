// Query.postsByIds(ids): many posts in one DynamoDB BatchGetItem call.
// The table name comes from the API's POSTS_TABLE environment variable.
// Posts are returned in the order of `ids`, null where a post does not exist.
import { util, runtime } from '@aws-appsync/utils';

const MAX_KEYS = 100; // BatchGetItem reads at most 100 items per call

export function request(ctx) {
  const ids = ctx.args.ids.filter((id, index, all) => all.indexOf(id) === index);
  if (ids.length === 0) {
    runtime.earlyReturn([]);
  }
  if (ids.length > MAX_KEYS) {
    util.error(`postsByIds accepts at most ${MAX_KEYS} distinct ids`, 'ValidationError');
  }
  const tables = {};
  tables[ctx.env.POSTS_TABLE] = {
    keys: ids.map((id) => util.dynamodb.toMapValues({ id })),
    consistentRead: false,
  };
  return { operation: 'BatchGetItem', tables };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  const unprocessed = ctx.result.unprocessedKeys[ctx.env.POSTS_TABLE] || [];
  if (unprocessed.length > 0) {
    util.appendError(`${unprocessed.length} posts were not read (throttled); retry`, 'UnprocessedKeys');
  }
  const byId = {};
  for (const post of ctx.result.data[ctx.env.POSTS_TABLE] || []) {
    if (post) {
      byId[post.id] = post;
    }
  }
  return ctx.args.ids.map((id) => byId[id] || null);
}
