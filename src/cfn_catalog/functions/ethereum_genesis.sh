# shellcheck shell=sh
# write_genesis FILE: the genesis of the private proof-of-work network.
# Reads NETWORK_ID (also the chain id), DIFFICULTY, GENESIS_GAS_LIMIT, ALLOC_ADDRESSES (comma-separated)
# and ALLOC_BALANCE (wei each). Every fork up to Gray Glacier is active from block 0 with ethash as the
# engine: geth 1.11 is the last release that still mines such a chain. POSIX sh without brace
# expansions, so that CloudFormation can embed it verbatim.
write_genesis() {
  ALLOC=""
  for ADDRESS in $(echo "$ALLOC_ADDRESSES" | tr ',' ' '); do
    ALLOC="$ALLOC,\"$ADDRESS\":{\"balance\":\"$ALLOC_BALANCE\"}"
  done
  FORKS='"homesteadBlock":0,"eip150Block":0,"eip155Block":0,"eip158Block":0,"byzantiumBlock":0,"constantinopleBlock":0,"petersburgBlock":0,"istanbulBlock":0,"berlinBlock":0,"londonBlock":0,"arrowGlacierBlock":0,"grayGlacierBlock":0'
  printf '{"config":{"chainId":%s,%s,"ethash":{}},"difficulty":"%s","gasLimit":"%s","alloc":{%s}}\n' \
    "$NETWORK_ID" "$FORKS" "$DIFFICULTY" "$GENESIS_GAS_LIMIT" "$(echo "$ALLOC" | cut -c2-)" > "$1"
}
