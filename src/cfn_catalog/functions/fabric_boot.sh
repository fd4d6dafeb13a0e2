# shellcheck shell=bash
# hyperledger-ec2-standalone: a three-organization Hyperledger Fabric network and Hyperledger Explorer
# on this instance, in Docker. Reads CHANNEL, DOMAIN, ORG1, ORG2, ORG3, FABRIC_VERSION, CA_VERSION,
# SAMPLES_COMMIT, INSTALLER_COMMIT, EXPLORER_VERSION, COMPOSE_VERSION, SECRET_ARN and REGION. Uses the test
# network of fabric-samples at SAMPLES_COMMIT (an orderer, Org1 and Org2, then Org3 joined with addOrg3),
# renamed to DOMAIN and the three sub-domains. Fabric's installer skips images it cannot pull and exits 0
# when a binary download fails, so everything the network needs is checked after it ran: any missing
# image, binary or version ends the script with an error naming it (the caller signals the failure).
export HOME=/root
dnf install -y -q docker git jq
mkdir -p /usr/local/lib/docker/cli-plugins
curl -fsSL -o /usr/local/lib/docker/cli-plugins/docker-compose \
  "https://github.com/docker/compose/releases/download/v$COMPOSE_VERSION/docker-compose-linux-x86_64"
chmod +x /usr/local/lib/docker/cli-plugins/docker-compose
systemctl enable --now docker
mkdir -p /opt/fabric
cd /opt/fabric || exit 1
# fabric-samples at the pinned commit: no fallback to another branch.
git init -q fabric-samples
if ! git -C fabric-samples fetch -q --depth 1 https://github.com/hyperledger/fabric-samples.git "$SAMPLES_COMMIT"; then
  echo "fabric-samples commit $SAMPLES_COMMIT cannot be fetched" >&2
  exit 1
fi
git -C fabric-samples checkout -q FETCH_HEAD
if [ "$(git -C fabric-samples rev-parse HEAD)" != "$SAMPLES_COMMIT" ]; then
  echo "fabric-samples is not at commit $SAMPLES_COMMIT" >&2
  exit 1
fi
# Images and binaries (into fabric-samples/bin and config) from the pinned installer.
curl -fsSLO "https://raw.githubusercontent.com/hyperledger/fabric/$INSTALLER_COMMIT/scripts/install-fabric.sh"
chmod +x install-fabric.sh
./install-fabric.sh --fabric-version "$FABRIC_VERSION" --ca-version "$CA_VERSION" docker binary
missing=""
for image in peer orderer ccenv baseos; do
  docker image inspect "hyperledger/fabric-$image:$FABRIC_VERSION" > /dev/null 2>&1 ||
    missing="$missing hyperledger/fabric-$image:$FABRIC_VERSION"
done
docker image inspect "hyperledger/fabric-ca:$CA_VERSION" > /dev/null 2>&1 ||
  missing="$missing hyperledger/fabric-ca:$CA_VERSION"
for tool in peer orderer osnadmin configtxgen configtxlator cryptogen discover fabric-ca-client; do
  [ -x "fabric-samples/bin/$tool" ] || missing="$missing bin/$tool"
done
[ -d fabric-samples/config ] || missing="$missing config/"
if [ -x fabric-samples/bin/peer ] && ! fabric-samples/bin/peer version | grep -Eq "Version: v?$FABRIC_VERSION\$"; then
  missing="$missing peer-version-$FABRIC_VERSION"
fi
if [ -x fabric-samples/bin/fabric-ca-client ] &&
  ! fabric-samples/bin/fabric-ca-client version | grep -Eq "Version: v?$CA_VERSION\$"; then
  missing="$missing fabric-ca-client-version-$CA_VERSION"
fi
if [ -n "$missing" ]; then
  echo "Fabric $FABRIC_VERSION / CA $CA_VERSION install incomplete, missing:$missing" >&2
  exit 1
fi
cd fabric-samples/test-network || exit 1
# The samples name everything after org1/org2/org3.example.com: rename through placeholders, so that
# swapped names cannot collide.
grep -rlI 'example\.com' . | xargs sed -i -e 's/org\([123]\)\.example\.com/@ORG\1@/g' \
  -e "s/example\.com/$DOMAIN/g" -e "s/@ORG1@/$ORG1.$DOMAIN/g" -e "s/@ORG2@/$ORG2.$DOMAIN/g" \
  -e "s/@ORG3@/$ORG3.$DOMAIN/g"
./network.sh up createChannel -c "$CHANNEL"
(cd addOrg3 && ./addOrg3.sh up -c "$CHANNEL")
# shellcheck disable=SC2046 # one argument per container id
docker update --restart unless-stopped $(docker ps -q)
# Hyperledger Explorer, connected as the Org1 admin to peer0 of Org1. Its login password comes from
# Secrets Manager; without access to the secret, a random one is kept in /root/explorer-admin-password.
if ! PASSWORD=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$SECRET_ARN" \
  --query SecretString --output text); then
  PASSWORD=$(openssl rand -hex 16)
  (umask 077 && echo "$PASSWORD" > /root/explorer-admin-password)
fi
DB_PASSWORD=$(openssl rand -hex 16)
CRYPTO=/opt/fabric/fabric-samples/test-network/organizations
PEER="peer0.$ORG1.$DOMAIN"
ADMIN="/tmp/crypto/peerOrganizations/$ORG1.$DOMAIN/users/Admin@$ORG1.$DOMAIN/msp"
mkdir -p /opt/fabric/explorer/profile
chmod 700 /opt/fabric/explorer/profile
cd /opt/fabric/explorer || exit 1
cat > config.json <<JSON
{"network-configs": {"fabric": {"name": "Fabric", "profile": "./connection-profile/fabric.json"}},
 "license": "Apache-2.0"}
JSON
cat > profile/fabric.json <<JSON
{"name": "fabric", "version": "1.0.0",
 "client": {"tlsEnable": true, "enableAuthentication": true, "organization": "Org1MSP",
  "adminCredential": {"id": "exploreradmin", "password": "$PASSWORD"},
  "connection": {"timeout": {"peer": {"endorser": "300"}, "orderer": "300"}}},
 "channels": {"$CHANNEL": {"peers": {"$PEER": {}}}},
 "organizations": {"Org1MSP": {"mspid": "Org1MSP", "peers": ["$PEER"],
  "adminPrivateKey": {"path": "$ADMIN/keystore/priv_sk"},
  "signedCert": {"path": "$ADMIN/signcerts/Admin@$ORG1.$DOMAIN-cert.pem"}}},
 "peers": {"$PEER": {"url": "grpcs://$PEER:7051",
  "tlsCACerts": {"path": "/tmp/crypto/peerOrganizations/$ORG1.$DOMAIN/peers/$PEER/tls/ca.crt"}}}}
JSON
cat > compose.yaml <<YAML
services:
  explorerdb:
    image: ghcr.io/hyperledger-labs/explorer-db:$EXPLORER_VERSION
    restart: unless-stopped
    environment: [DATABASE_DATABASE=fabricexplorer, DATABASE_USERNAME=explorer, DATABASE_PASSWORD=$DB_PASSWORD]
    healthcheck: {test: pg_isready -h localhost -p 5432 -q -U postgres, interval: 10s, retries: 30}
    volumes: [pgdata:/var/lib/postgresql/data]
    networks: [fabric]
  explorer:
    image: ghcr.io/hyperledger-labs/explorer:$EXPLORER_VERSION
    restart: unless-stopped
    environment: [DATABASE_HOST=explorerdb, DATABASE_DATABASE=fabricexplorer, DATABASE_USERNAME=explorer,
      DATABASE_PASSWD=$DB_PASSWORD, LOG_CONSOLE_STDOUT=true, DISCOVERY_AS_LOCALHOST=false, PORT=8080]
    volumes: [./config.json:/opt/explorer/app/platform/fabric/config.json,
      ./profile:/opt/explorer/app/platform/fabric/connection-profile, $CRYPTO:/tmp/crypto:ro,
      walletstore:/opt/explorer/wallet]
    ports: ["8080:8080"]
    depends_on: {explorerdb: {condition: service_healthy}}
    networks: [fabric]
volumes: {pgdata: {}, walletstore: {}}
networks: {fabric: {name: fabric_test, external: true}}
YAML
docker compose up -d
for _ in $(seq 60); do curl -fs -o /dev/null http://localhost:8080 && break; sleep 10; done
curl -fs -o /dev/null http://localhost:8080
