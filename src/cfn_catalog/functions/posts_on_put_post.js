// Subscription.onPutPost: a subscription resolver on a NONE data source. It
// runs once when a client subscribes (not for every message), which makes it
// the place to authorize the subscription or set enhanced filters; returning
// null accepts the subscription unchanged.
export function request(ctx) {
  return { payload: null };
}

export function response(ctx) {
  return null;
}
