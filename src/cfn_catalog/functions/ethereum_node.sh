# shellcheck shell=sh
# One geth node in an ECS task (awsvpc network mode), after the genesis fragment. ROLE is miner or
# client; NETWORK holds the network's settings as NAME=value words. The node advertises the task's
# own address, publishes its enode in /shared/enode for the peer-discovery container and dials
# every enode that container lists in /shared/peers.
set -ef
# shellcheck disable=SC2086,SC2163 # NETWORK is NAME=value words, each exported (globbing is off)
export $NETWORK
write_genesis /shared/genesis.json
IP=$(wget -qO- "$ECS_CONTAINER_METADATA_URI_V4" | sed -n 's/.*"IPv4Addresses":\["\([0-9.]*\)".*/\1/p')
[ -d /data/geth/chaindata ] || geth --datadir /data init /shared/genesis.json
FLAGS="--datadir /data --networkid $NETWORK_ID --syncmode full --nodiscover --nat extip:$IP
 --verbosity $VERBOSITY --http --http.addr 0.0.0.0 --http.api eth,net,web3,txpool --http.vhosts=*
 --http.corsdomain=* --miner.gasprice $GAS_PRICE --miner.gaslimit $GAS_LIMIT --ethash.dagdir /data/ethash"
if [ "$ROLE" = miner ]; then
  FLAGS="$FLAGS --mine --miner.threads 1 --miner.etherbase $ETHERBASE"
fi
if [ -n "$ETHSTATS_HOST" ]; then
  FLAGS="$FLAGS --ethstats $ROLE-$IP:$ETHSTATS_SECRET@$ETHSTATS_HOST"
fi
# shellcheck disable=SC2086 # FLAGS is a list of words (globbing is off)
geth $FLAGS &
PID=$!
trap 'kill $PID' TERM INT
until geth attach --exec admin.nodeInfo.enode /data/geth.ipc > /shared/enode.json 2>/dev/null; do
  kill -0 $PID
  sleep 3
done
tr -d '"' < /shared/enode.json > /shared/enode
while kill -0 $PID 2>/dev/null; do
  PEERS=""
  [ -s /shared/peers ] && while read -r ENODE; do PEERS="$PEERS admin.addPeer('$ENODE');"; done < /shared/peers
  [ -z "$PEERS" ] || geth attach --exec "$PEERS" /data/geth.ipc > /dev/null 2>&1 || true
  sleep 30 & wait $!
done
wait $PID
