#!/bin/sh
# Makes the keys, certificates, manifest and configs of the three-FIU compose network, once.
#
# Run by the `keys` service of docker-compose.yml, in the fiu-node image, as root (to write
# into the fresh volume), with:
#   /deploy/config/fiu-X.toml   each node's config (read-only)
#   /pki                        the shared `pki` volume, which the nodes mount read-only
#
# What it does:
#   1. copies each node's config to /pki/fiu-X/config.toml;
#   2. `fiu-node pki network` into /pki: the network CA, and per member its identity key,
#      X25519 exchange key, network secret (one development secret for all three; a real
#      network delivers it with the key ceremony), member certificate for https://fiu-X:7400,
#      users CA, user certificates (operator `op`, investigator `alice`, auditor `audrey`) and
#      the manifest. It keeps the configs of step 1;
#   3. checks each config as the node will load it (`show-key` reads the config and identity);
#   4. hands the volume to the image's unprivileged user (uid 10001), keys 0400.
#
# It does nothing when the volume holds a finished network, and refuses a half-made one
# (start again with `docker compose down -v`).
#
# It can also run outside compose (fiu-node/tests/deploy.rs does, to test it); the configs
# name /pki/..., so a node started from another PKI_DIR needs its paths changed to match:
#   PKI_DIR=/tmp/pki CONFIG_DIR=deploy/compose/config sh deploy/compose/init-network.sh
# (chown to NODE_UID:NODE_GID, default 10001, only when run as root).
set -eu

NODES="fiu-a fiu-b fiu-c"
PKI_DIR=${PKI_DIR:-/pki}
CONFIG_DIR=${CONFIG_DIR:-/deploy/config}
NODE_UID=${NODE_UID:-10001}
NODE_GID=${NODE_GID:-10001}
FIU_NODE=${FIU_NODE:-fiu-node}

if [ -f "$PKI_DIR/manifest.toml" ] && [ -f "$PKI_DIR/.complete" ]; then
    echo "keys: the network in $PKI_DIR is already set up; nothing to do"
    exit 0
fi
if [ -n "$(ls -A "$PKI_DIR" 2>/dev/null)" ]; then
    echo "keys: $PKI_DIR holds a half-made network; remove the volumes and start again:" >&2
    echo "      docker compose down -v && docker compose up -d" >&2
    exit 1
fi

# 1. The configs, before `pki network` (which keeps a config.toml that exists).
for n in $NODES; do
    mkdir -p "$PKI_DIR/$n"
    install -m 0644 "$CONFIG_DIR/$n.toml" "$PKI_DIR/$n/config.toml"
done

# 2. Keys, certificates and the manifest. Endpoints by compose service name: each member
# certificate names its service (fiu-X) and localhost.
"$FIU_NODE" pki network --name fiu-compose \
    --members fiu-a,fiu-b,fiu-c \
    --endpoints https://fiu-a:7400,https://fiu-b:7400,https://fiu-c:7400 \
    --countries DE,FR,NL \
    --users operator:op,investigator:alice,auditor:audrey \
    --out "$PKI_DIR"

# 3. Each config loads, with the files it names (paths moved to PKI_DIR when it is not /pki).
for n in $NODES; do
    check="$PKI_DIR/$n/config.check.toml"
    sed "s#\"/pki/#\"$PKI_DIR/#" "$PKI_DIR/$n/config.toml" >"$check"
    key=$("$FIU_NODE" show-key --config "$check")
    rm -f "$check"
    echo "keys: $n public key $key"
done

# 4. The nodes run as uid 10001 and mount the volume read-only.
if [ "$(id -u)" -eq 0 ]; then
    chown -R "$NODE_UID:$NODE_GID" "$PKI_DIR"
fi
find "$PKI_DIR" -name '*.key' -exec chmod 0400 {} +
find "$PKI_DIR" -name 'network.secret' -exec chmod 0400 {} +
touch "$PKI_DIR/.complete"
echo "keys: fiu-a, fiu-b and fiu-c are set up in $PKI_DIR (manifest $PKI_DIR/manifest.toml)"
