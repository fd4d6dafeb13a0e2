// Mutation.putPost(id, title): create or replace a post with DynamoDB PutItem.
// Subscribers of onPutPost receive the returned post.
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  const { id, title } = ctx.args;
  return {
    operation: 'PutItem',
    key: util.dynamodb.toMapValues({ id }),
    attributeValues: util.dynamodb.toMapValues({ title }),
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
