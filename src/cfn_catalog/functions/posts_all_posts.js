// Query.allPosts: every post, read with a DynamoDB Scan. The schema has no
// paging arguments, so this returns the first page (up to 1 MB of items).
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return { operation: 'Scan' };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result.items;
}
