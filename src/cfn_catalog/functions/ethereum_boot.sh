# shellcheck shell=bash
# ethereum-docker-local: a single-node private network on this instance, in Docker, after the genesis
# fragment. geth mines and serves JSON-RPC on port 8545, EthStats listens on port 80 and the explorer
# on port 8080. The EthStats secret is read from Secrets Manager, never from the user data.
dnf install -y -q docker
systemctl enable --now docker
mkdir -p /opt/ethereum/data
cd /opt/ethereum || exit 1
write_genesis /opt/ethereum/genesis.json
docker network inspect ethereum > /dev/null 2>&1 || docker network create ethereum
LOGS="--log-opt max-size=50m --log-opt max-file=3"
STATS=""
if [ "$RUN_STATS" = true ]; then
  SECRET=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$SECRET_ARN" \
    --query SecretString --output text)
  (umask 077 && echo "WS_SECRET=$SECRET" > ethstats.env)
  # shellcheck disable=SC2086 # LOGS and STATS are lists of words: no arrays, Fn::Sub owns the brace syntax
  docker run -d --name ethstats --restart unless-stopped --network ethereum -p 80:3000 \
    --env-file ethstats.env $LOGS "$STATS_IMAGE"
  STATS="--ethstats docker-local:$SECRET@ethstats:3000"
fi
[ -d data/geth/chaindata ] || docker run --rm -v /opt/ethereum:/opt/ethereum "$GETH_IMAGE" \
  --datadir /opt/ethereum/data init /opt/ethereum/genesis.json
# shellcheck disable=SC2086 # LOGS and STATS are lists of words: no arrays, Fn::Sub owns the brace syntax
docker run -d --name geth --restart unless-stopped --network ethereum -p 8545:8545 \
  -v /opt/ethereum/data:/data $LOGS "$GETH_IMAGE" --datadir /data --networkid "$NETWORK_ID" \
  --syncmode full --nodiscover --verbosity "$VERBOSITY" --http --http.addr 0.0.0.0 \
  --http.api eth,net,web3,txpool '--http.vhosts=*' '--http.corsdomain=*' --miner.gasprice "$GAS_PRICE" \
  --miner.gaslimit "$GAS_LIMIT" --mine --miner.threads 1 --miner.etherbase "$ETHERBASE" \
  --ethash.dagdir /data/ethash $STATS
if [ "$RUN_EXPLORER" = true ]; then
  # shellcheck disable=SC2086 # LOGS and STATS are lists of words: no arrays, Fn::Sub owns the brace syntax
  docker run -d --name explorer --restart unless-stopped -p 8080:80 \
    -e APP_NODE_URL=http://localhost:8545 $LOGS "$EXPLORER_IMAGE"
fi
