"""The boot and container scripts of the blockchain templates, run with stand-ins for geth, Docker and AWS.

Each script is run from its file in `cfn_catalog/functions`, with absolute paths (/data, /shared,
/opt/...) pointed at a temporary directory and the commands it calls (geth, wget, aws, docker, dnf,
curl...) replaced by small stubs that record their arguments.
"""

import json
import os
import stat
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

SCRIPTS = {
    "ethereum_genesis": "sh",
    "ethereum_node": "sh",
    "ethereum_peers": "sh",
    "ethereum_boot": "bash",
    "fabric_boot": "bash",
}
MINER = "0x" + "ab" * 20
ACCOUNTS = ["0x" + "11" * 20, "0x" + "22" * 20]
NETWORK = {
    "NETWORK_ID": "1234",
    "DIFFICULTY": "0x20000",
    "GENESIS_GAS_LIMIT": "8000000",
    "GAS_LIMIT": "9000000",
    "GAS_PRICE": "0",
    "ALLOC_ADDRESSES": ",".join(ACCOUNTS),
    "ALLOC_BALANCE": "1000000000000000000000",
    "ETHERBASE": MINER,
    "VERBOSITY": "3",
}
ENODE = "enode://abcd@10.1.2.3:30303?discport=0"


def source(name: str) -> str:
    return resources.files("cfn_catalog.functions").joinpath(f"{name}.sh").read_text(encoding="utf-8")


def stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def sandbox(tmp_path):
    """A bin directory of stubs ahead of PATH, a log directory and an environment to run in."""
    bin_dir, log = tmp_path / "bin", tmp_path / "log"
    bin_dir.mkdir()
    log.mkdir()
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "LOG": str(log), "HOME": str(tmp_path)}
    return tmp_path, bin_dir, log, env


@pytest.mark.parametrize(("name", "shell"), SCRIPTS.items())
def test_scripts_parse_and_never_use_brace_expansions(name, shell):
    text = source(name)
    assert "${" not in text  # CloudFormation's Fn::Sub would read it as a reference
    result = subprocess.run([shell, "-n"], input=text, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_genesis_is_a_proof_of_work_chain_with_the_funded_accounts(tmp_path):
    out = tmp_path / "genesis.json"
    script = source("ethereum_genesis") + f'write_genesis "{out}"\n'
    subprocess.run(["sh", "-c", script], env={**NETWORK, "PATH": os.environ["PATH"]}, check=True)
    genesis = json.loads(out.read_text())
    assert genesis["config"]["chainId"] == 1234
    assert genesis["config"]["ethash"] == {}
    assert genesis["config"]["londonBlock"] == 0 and genesis["config"]["grayGlacierBlock"] == 0
    assert "terminalTotalDifficulty" not in genesis["config"]
    assert genesis["difficulty"] == "0x20000" and genesis["gasLimit"] == "8000000"
    assert genesis["alloc"] == {address: {"balance": "1000000000000000000000"} for address in ACCOUNTS}


def _run_node(sandbox, *, role: str, ethstats: bool, peers: list[str]):
    tmp, bin_dir, log, env = sandbox
    (tmp / "data").mkdir()
    (tmp / "shared").mkdir()
    if peers:
        (tmp / "shared" / "peers").write_text("\n".join(peers) + "\n")
    stub(
        bin_dir,
        "wget",
        """echo '{"Name":"geth","Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.1.2.3"]}]}'\n""",
    )
    stub(bin_dir, "sleep", "exit 0\n")
    stub(
        bin_dir,
        "geth",
        f"""printf '%s\\n' "$*" >> "$LOG/geth.log"
case "$1" in
  attach) case "$*" in *nodeInfo*) echo '"{ENODE}"';; esac ;;
  *) case "$*" in *" init "*) ;; *) /bin/sleep 0.5 ;; esac ;;
esac
""",
    )
    script = (source("ethereum_genesis") + source("ethereum_node")).replace("/shared", str(tmp / "shared"))
    script = script.replace("/data", str(tmp / "data"))
    node_env = {
        **env,
        "ROLE": role,
        "NETWORK": " ".join(f"{k}={v}" for k, v in NETWORK.items()),
        "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/x",
        "ETHSTATS_SECRET": "s3cret",
    }
    if ethstats:
        node_env["ETHSTATS_HOST"] = "internal-lb.example.com:80"
    subprocess.run(["sh", "-c", script], env=node_env, check=True, timeout=30)
    calls = (log / "geth.log").read_text().splitlines()
    return tmp, calls


def test_a_miner_mines_advertises_its_task_address_and_reports_to_ethstats(sandbox):
    tmp, calls = _run_node(sandbox, role="miner", ethstats=True, peers=[])
    assert calls[0].endswith(f"init {tmp}/shared/genesis.json")
    main = next(c for c in calls if "--networkid" in c).split()
    assert main[main.index("--networkid") + 1] == "1234"
    assert main[main.index("--nat") + 1] == "extip:10.1.2.3"
    assert main[main.index("--miner.etherbase") + 1] == MINER
    assert "--mine" in main and "--nodiscover" in main and "--http.vhosts=*" in main
    assert main[main.index("--ethstats") + 1] == "miner-10.1.2.3:s3cret@internal-lb.example.com:80"
    assert main[main.index("--miner.gaslimit") + 1] == "9000000"
    assert (tmp / "shared" / "enode").read_text().strip() == ENODE
    assert json.loads((tmp / "shared" / "genesis.json").read_text())["config"]["chainId"] == 1234


def test_a_client_does_not_mine_and_dials_the_listed_peers(sandbox):
    peers = ["enode://p1@10.0.0.1:30303", "enode://p2@10.0.0.2:30303"]
    _, calls = _run_node(sandbox, role="client", ethstats=False, peers=peers)
    main = next(c for c in calls if "--networkid" in c).split()
    assert "--mine" not in main and "--ethstats" not in main
    dials = [c for c in calls if "addPeer" in c]
    assert dials and all(f"admin.addPeer('{p}');" in dials[0] for p in peers)


def test_peer_discovery_registers_this_node_with_a_ttl_and_lists_the_live_ones(sandbox):
    tmp, bin_dir, log, env = sandbox
    (tmp / "shared").mkdir()
    (tmp / "shared" / "enode").write_text(ENODE + "\n")
    stub(
        bin_dir,
        "aws",
        """printf '%s\\n' "$@" > "$LOG/aws-$2.args"
[ "$2" = scan ] && printf 'enode://a@10.0.0.1:30303\\tenode://b@10.0.0.2:30303\\n'
exit 0
""",
    )
    stub(bin_dir, "sleep", "kill $PPID\n")  # end the loop after one round
    script = source("ethereum_peers").replace("/shared", str(tmp / "shared"))
    before = int(time.time())
    subprocess.run(["sh", "-c", script], env={**env, "PEER_TABLE": "peers"}, timeout=30)
    put = (log / "aws-put-item.args").read_text().splitlines()
    assert put[:4] == ["dynamodb", "put-item", "--table-name", "peers"]
    item = json.loads(put[put.index("--item") + 1])
    assert item["id"] == {"S": ENODE}
    assert before + 300 <= int(item["ttl"]["N"]) <= int(time.time()) + 300
    scan = (log / "aws-scan.args").read_text().splitlines()
    assert scan[scan.index("--filter-expression") + 1] == "#t > :now"
    assert json.loads(scan[scan.index("--expression-attribute-names") + 1]) == {"#i": "id", "#t": "ttl"}
    assert (tmp / "shared" / "peers").read_text().split() == ["enode://a@10.0.0.1:30303", "enode://b@10.0.0.2:30303"]


def _run_docker_local(sandbox, *, run_stats: bool):
    tmp, bin_dir, log, env = sandbox
    for name in ("dnf", "systemctl"):
        stub(bin_dir, name, "exit 0\n")
    stub(bin_dir, "aws", """printf '%s\\n' "$@" > "$LOG/aws.args"; echo s3cret\n""")
    stub(bin_dir, "docker", """echo "$*" >> "$LOG/docker.log"; [ "$1 $2" != "network inspect" ]\n""")
    settings = {
        **NETWORK,
        "RUN_STATS": str(run_stats).lower(),
        "RUN_EXPLORER": "true",
        "SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:ethstats-AbCdEf",
        "REGION": "us-east-1",
        "GETH_IMAGE": "ethereum/client-go:v1.11.6",
        "STATS_IMAGE": "stats:1",
        "EXPLORER_IMAGE": "explorer:1",
    }
    script = "set -euo pipefail\n" + "".join(f"{k}={v}\n" for k, v in settings.items())
    script += (source("ethereum_genesis") + source("ethereum_boot")).replace("/opt/ethereum", str(tmp / "eth"))
    subprocess.run(["bash", "-c", script], env=env, check=True, timeout=30)
    return tmp, (log / "docker.log").read_text().splitlines()


def test_docker_local_runs_a_mining_node_ethstats_and_the_explorer(sandbox):
    tmp, docker = _run_docker_local(sandbox, run_stats=True)
    assert docker[0] == "network inspect ethereum" and docker[1] == "network create ethereum"
    ethstats = next(c for c in docker if "--name ethstats" in c)
    assert "-p 80:3000" in ethstats and "--env-file ethstats.env" in ethstats and ethstats.endswith("stats:1")
    env_file = tmp / "eth" / "ethstats.env"
    assert env_file.read_text() == "WS_SECRET=s3cret\n"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert any(c.endswith(f"init {tmp}/eth/genesis.json") for c in docker)
    geth = next(c for c in docker if "--name geth" in c).split()
    assert geth[geth.index("--miner.etherbase") + 1] == MINER and "--mine" in geth
    assert geth[geth.index("--ethstats") + 1] == "docker-local:s3cret@ethstats:3000"
    assert "-p 8545:8545" in " ".join(geth)
    explorer = next(c for c in docker if "--name explorer" in c)
    assert "-p 8080:80" in explorer and "APP_NODE_URL=http://localhost:8545" in explorer
    assert json.loads((tmp / "eth" / "genesis.json").read_text())["alloc"].keys() == set(ACCOUNTS)


def test_docker_local_without_ethstats_never_reads_the_secret(sandbox):
    tmp, docker = _run_docker_local(sandbox, run_stats=False)
    assert not any("--name ethstats" in c for c in docker)
    assert "--ethstats" not in next(c for c in docker if "--name geth" in c)
    assert not (tmp / "log" / "aws.args").exists()


FAKE_INSTALL_FABRIC = """#!/bin/sh
# Stands in for install-fabric.sh: binaries (minus those in $SKIP_BINARIES) that print their versions, and
# the pulls it logs. Like the real one, it exits 0 whatever went wrong.
echo "install-fabric $*" >> "$LOG/fabric.log"
mkdir -p fabric-samples/bin fabric-samples/config
for tool in peer orderer osnadmin configtxgen configtxlator cryptogen discover ledgerutil fabric-ca-client; do
  case " $SKIP_BINARIES " in *" $tool "*) continue ;; esac
  version=$FAKE_FABRIC_VERSION
  [ "$tool" = fabric-ca-client ] && version=$FAKE_CA_VERSION
  printf '#!/bin/sh\\necho "%s:"\\necho " Version: v%s"\\n' "$tool" "$version" > "fabric-samples/bin/$tool"
  chmod +x "fabric-samples/bin/$tool"
done
exit 0
"""
SAMPLES = "0123456789abcdef0123456789abcdef01234567"
FAKE_GIT = """#!/bin/sh
# Stands in for git: fetching SAMPLES_COMMIT lays out a test network whose files name the sample domains.
echo "git $*" >> "$LOG/git.log"
case "$*" in
  "init -q fabric-samples") mkdir -p fabric-samples ;;
  *" fetch "*) [ "$FETCHABLE" = yes ] || exit 128
    mkdir -p fabric-samples/test-network/addOrg3 fabric-samples/test-network/organizations
    cd fabric-samples/test-network
    echo 'peers: [peer0.org1.example.com, peer0.org2.example.com], orderer: orderer.example.com' > compose.yaml
    echo 'admin: Admin@org3.example.com' > addOrg3/org3-crypto.yaml
    printf '#!/bin/sh\\necho network "$@" >> "$LOG/fabric.log"\\n' > network.sh
    printf '#!/bin/sh\\necho addOrg3 "$@" >> "$LOG/fabric.log"\\n' > addOrg3/addOrg3.sh
    chmod +x network.sh addOrg3/addOrg3.sh ;;
  *" rev-parse HEAD") echo "$FETCHED_COMMIT" ;;
esac
exit 0
"""
FABRIC_SETTINGS = {
    "CHANNEL": "tradechannel",
    "DOMAIN": "example.net",
    # Swapped on purpose: renaming through placeholders must not let org1 and org2 collide.
    "ORG1": "org2",
    "ORG2": "org1",
    "ORG3": "bank",
    "FABRIC_VERSION": "2.5.11",
    "CA_VERSION": "1.5.15",
    "SAMPLES_COMMIT": SAMPLES,
    "INSTALLER_COMMIT": "feedfacefeedfacefeedfacefeedfacefeedface",
    "EXPLORER_VERSION": "2.0.0",
    "COMPOSE_VERSION": "2.27.0",
    "SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:explorer-AbCdEf",
    "REGION": "us-east-1",
}
PULLED_IMAGES = [f"hyperledger/fabric-{name}:2.5.11" for name in ("peer", "orderer", "ccenv", "baseos")] + [
    "hyperledger/fabric-ca:1.5.15"
]


def _run_fabric_boot(sandbox, *, missing_image="", skip_binaries="", fetchable=True, fetched=SAMPLES,
                     fabric_version="2.5.11", ca_version="1.5.15"):  # fmt: skip
    tmp, bin_dir, _log, env = sandbox
    (tmp / "fake-install").write_text(FAKE_INSTALL_FABRIC)
    for name in ("dnf", "systemctl"):
        stub(bin_dir, name, "exit 0\n")
    stub(bin_dir, "git", FAKE_GIT)
    stub(bin_dir, "aws", "exit 255\n")  # an instance profile that may not read the secret
    stub(
        bin_dir,
        "docker",
        """echo "$*" >> "$LOG/docker.log"
[ "$1 $2" = "ps -q" ] && echo c0ffee
[ "$1 $2" = "image inspect" ] && [ "$3" = "$MISSING_IMAGE" ] && exit 1
exit 0
""",
    )
    stub(
        bin_dir,
        "curl",
        f"""echo "$*" >> "$LOG/curl.log"
case "$*" in
  *install-fabric.sh*) cp {tmp}/fake-install install-fabric.sh ;;
  *" -o "*docker-compose*) : > "$3" ;;
esac
exit 0
""",
    )
    script = "set -euo pipefail\n" + "".join(f"{k}={v}\n" for k, v in FABRIC_SETTINGS.items()) + source("fabric_boot")
    for path, replacement in (
        ("/opt/fabric", tmp / "opt"),
        ("/usr/local/lib/docker/cli-plugins", tmp / "plugins"),
        ("/root", tmp / "root"),
    ):
        script = script.replace(path, str(replacement))
    (tmp / "root").mkdir(exist_ok=True)
    run_env = {
        **env,
        "MISSING_IMAGE": missing_image,
        "SKIP_BINARIES": skip_binaries,
        "FETCHABLE": "yes" if fetchable else "no",
        "FETCHED_COMMIT": fetched,
        "FAKE_FABRIC_VERSION": fabric_version,
        "FAKE_CA_VERSION": ca_version,
    }
    return subprocess.run(["bash", "-c", script], env=run_env, capture_output=True, text=True, timeout=60)


def test_fabric_boot_renames_the_organizations_and_configures_explorer(sandbox):
    tmp, _, log, _ = sandbox
    result = _run_fabric_boot(sandbox)
    assert result.returncode == 0, result.stderr

    network = tmp / "opt" / "fabric-samples" / "test-network"
    assert (network / "compose.yaml").read_text().strip() == (
        "peers: [peer0.org2.example.net, peer0.org1.example.net], orderer: orderer.example.net"
    )
    assert (network / "addOrg3" / "org3-crypto.yaml").read_text().strip() == "admin: Admin@bank.example.net"
    fabric = (log / "fabric.log").read_text().splitlines()
    assert fabric == [
        "install-fabric --fabric-version 2.5.11 --ca-version 1.5.15 docker binary",
        "network up createChannel -c tradechannel",
        "addOrg3 up -c tradechannel",
    ]
    assert (
        "https://raw.githubusercontent.com/hyperledger/fabric/feedfacefeedfacefeedfacefeedfacefeedface/"
        "scripts/install-fabric.sh" in (log / "curl.log").read_text()
    )
    git = (log / "git.log").read_text()
    assert f"fetch -q --depth 1 https://github.com/hyperledger/fabric-samples.git {SAMPLES}" in git
    assert "main" not in git
    password = (tmp / "root" / "explorer-admin-password").read_text().strip()
    assert len(password) == 32
    assert stat.S_IMODE((tmp / "root" / "explorer-admin-password").stat().st_mode) == 0o600

    explorer = tmp / "opt" / "explorer"
    profile = json.loads((explorer / "profile" / "fabric.json").read_text())
    assert profile["client"]["adminCredential"] == {"id": "exploreradmin", "password": password}
    assert list(profile["channels"]) == ["tradechannel"]
    assert profile["peers"]["peer0.org2.example.net"]["url"] == "grpcs://peer0.org2.example.net:7051"
    key = profile["organizations"]["Org1MSP"]["adminPrivateKey"]["path"]
    assert key == "/tmp/crypto/peerOrganizations/org2.example.net/users/Admin@org2.example.net/msp/keystore/priv_sk"
    assert json.loads((explorer / "config.json").read_text())["network-configs"]["fabric"]["profile"] == (
        "./connection-profile/fabric.json"
    )
    compose = yaml.safe_load((explorer / "compose.yaml").read_text())
    assert compose["services"]["explorer"]["image"] == "ghcr.io/hyperledger-labs/explorer:2.0.0"
    assert compose["services"]["explorer"]["ports"] == ["8080:8080"]
    assert compose["networks"]["fabric"] == {"name": "fabric_test", "external": True}
    assert f"{network}/organizations:/tmp/crypto:ro" in compose["services"]["explorer"]["volumes"]
    docker = (log / "docker.log").read_text().splitlines()
    assert "update --restart unless-stopped c0ffee" in docker and "compose up -d" in docker
    assert {line.split()[2] for line in docker if line.startswith("image inspect")} == set(PULLED_IMAGES)


def _assert_failed_before_the_network(sandbox, result, what):
    _, _, log, _ = sandbox
    assert result.returncode != 0
    assert what in result.stderr
    fabric = (log / "fabric.log").read_text() if (log / "fabric.log").exists() else ""
    assert "network up" not in fabric and "addOrg3" not in fabric


@pytest.mark.parametrize("image", PULLED_IMAGES)
def test_fabric_boot_fails_naming_an_image_the_installer_skipped(sandbox, image):
    result = _run_fabric_boot(sandbox, missing_image=image)
    _assert_failed_before_the_network(sandbox, result, f"missing: {image}")


@pytest.mark.parametrize("binary", ["peer", "osnadmin", "configtxgen", "fabric-ca-client"])
def test_fabric_boot_fails_when_a_binary_download_failed_though_the_installer_exited_0(sandbox, binary):
    result = _run_fabric_boot(sandbox, skip_binaries=binary)
    _assert_failed_before_the_network(sandbox, result, f"bin/{binary}")


def test_fabric_boot_fails_on_binaries_of_another_version(sandbox):
    result = _run_fabric_boot(sandbox, fabric_version="2.5.9")
    _assert_failed_before_the_network(sandbox, result, "peer-version-2.5.11")
    result = _run_fabric_boot(sandbox, ca_version="1.5.7")
    _assert_failed_before_the_network(sandbox, result, "fabric-ca-client-version-1.5.15")


def test_fabric_boot_never_falls_back_to_another_samples_branch(sandbox):
    result = _run_fabric_boot(sandbox, fetchable=False)
    _assert_failed_before_the_network(sandbox, result, f"fabric-samples commit {SAMPLES} cannot be fetched")
    _, _, log, _ = sandbox
    assert "checkout" not in (log / "git.log").read_text()
    assert "install-fabric" not in ((log / "fabric.log").read_text() if (log / "fabric.log").exists() else "")


def test_fabric_boot_fails_when_the_checkout_is_not_the_pinned_commit(sandbox):
    result = _run_fabric_boot(sandbox, fetched="f" * 40)
    _assert_failed_before_the_network(sandbox, result, f"fabric-samples is not at commit {SAMPLES}")


SHELLCHECK = Path(sys.executable).with_name("shellcheck")


def test_every_script_says_which_shell_runs_it():
    shipped = {p.stem for p in resources.files("cfn_catalog.functions").iterdir() if p.name.endswith(".sh")}
    assert shipped == set(SCRIPTS)
    for name, shell in SCRIPTS.items():
        first_line = resources.files("cfn_catalog.functions").joinpath(f"{name}.sh").read_text().splitlines()[0]
        assert first_line == f"# shellcheck shell={shell}", name


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_shellcheck_finds_nothing(name):
    path = resources.files("cfn_catalog.functions").joinpath(f"{name}.sh")
    result = subprocess.run([str(SHELLCHECK), "--format=gcc", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_is_not_a_formality(tmp_path):
    script = tmp_path / "bad.sh"
    script.write_text("# shellcheck shell=sh\ncd /tmp\nrm -rf $TARGET/*\n")
    result = subprocess.run([str(SHELLCHECK), "--format=gcc", str(script)], capture_output=True, text=True)
    assert result.returncode != 0 and "SC2164" in result.stdout and "SC2086" in result.stdout
