# shellcheck shell=sh
# Peer discovery beside each geth node (the AWS CLI image): every 30 seconds, register this node's
# enode in the DynamoDB table PEER_TABLE with a five-minute time to live, and write the enodes still
# alive to /shared/peers for the node to dial. Expired items are skipped even before DynamoDB's TTL
# process deletes them.
NAMES='{"#i":"id","#t":"ttl"}'
while true; do
  NOW=$(date +%s)
  if [ -s /shared/enode ]; then
    ITEM="{\"id\":{\"S\":\"$(cat /shared/enode)\"},\"ttl\":{\"N\":\"$((NOW + 300))\"}}"
    aws dynamodb put-item --table-name "$PEER_TABLE" --item "$ITEM" || true
  fi
  aws dynamodb scan --table-name "$PEER_TABLE" --projection-expression '#i' --filter-expression '#t > :now' \
    --expression-attribute-names "$NAMES" --expression-attribute-values "{\":now\":{\"N\":\"$NOW\"}}" \
    --query 'Items[].id.S' --output text | tr '\t' '\n' | grep '^enode://' > /shared/peers.new
  mv /shared/peers.new /shared/peers
  sleep 30
done
