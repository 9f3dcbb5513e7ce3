#!/bin/sh
# Sets up the keys and configuration of the three-FIU compose network, once.
#
# Run by the `keys` service of docker-compose.yml, in the fiu-node image, as root (to write
# into the fresh volumes), with:
#   /deploy/config/fiu-X.toml   the base config of each node (read-only)
#   /nodes/fiu-X                each node's data volume (its /var/lib/fiu-node)
#
# What it does, as an operator would by hand today (docs/OPERATIONS.md, "First start"):
#   1. `fiu-node init` for fiu-a, which generates the network secret; fiu-b and fiu-c are
#      initialised with `--network-secret` pointing at that file (one secret for all members,
#      until the key ceremony of the security issue exists);
#   2. `fiu-node show-key --peer-block` for each node, with the endpoint set to its service
#      name (http://fiu-X:7400);
#   3. writes each node's config.toml: its base config plus the other two nodes' blocks;
#      copies its identity key and the network secret with mode 0400; hands the volume to the
#      image's unprivileged user (uid 10001).
#
# It does nothing when all three volumes are already set up, and refuses a half set-up
# network (start again with `docker compose down -v`).
#
# It can also run outside compose (to test it, or to prepare directories for another tool):
#   NODES_DIR=/some/dir CONFIG_DIR=deploy/compose/config NODE_UID=$(id -u) NODE_GID=$(id -g) \
#       sh deploy/compose/init-network.sh
set -eu

NODES="fiu-a fiu-b fiu-c"
PORT=7400
NODES_DIR=${NODES_DIR:-/nodes}
CONFIG_DIR=${CONFIG_DIR:-/deploy/config}
NODE_UID=${NODE_UID:-10001}
NODE_GID=${NODE_GID:-10001}
FIU_NODE=${FIU_NODE:-fiu-node}

done_count=0
for n in $NODES; do
    if [ -f "$NODES_DIR/$n/config.toml" ]; then
        done_count=$((done_count + 1))
    fi
done
if [ "$done_count" -eq 3 ]; then
    echo "keys: the network is already set up; nothing to do"
    exit 0
fi
if [ "$done_count" -ne 0 ]; then
    echo "keys: only $done_count of 3 nodes are set up; remove the volumes and start again:" >&2
    echo "      docker compose down -v && docker compose up -d" >&2
    exit 1
fi

work=$(mktemp -d)
# The scratch copies include the network secret: remove them whatever happens.
trap 'rm -rf "$work"' EXIT INT TERM

# 1. Keys. The first node generates the network secret; the others copy it.
secret_flag=""
for n in $NODES; do
    # shellcheck disable=SC2086 # $secret_flag is empty or two words on purpose
    "$FIU_NODE" init --dir "$work/$n" --member-id "$n" --listen "0.0.0.0:$PORT" \
        $secret_flag >/dev/null
    if [ -z "$secret_flag" ]; then
        secret_flag="--network-secret $work/$n/network.secret"
    fi
    # 2. This node's block for the others, reachable by its service name.
    "$FIU_NODE" show-key --config "$work/$n/config.toml" --peer-block \
        | sed "s#http://THIS-HOST:#http://$n:#" >"$work/$n.peer"
    echo "keys: $n public key $("$FIU_NODE" show-key --config "$work/$n/config.toml")"
done

# 3. Each node's volume: keys, and its config with the other nodes as peers.
for n in $NODES; do
    dir="$NODES_DIR/$n"
    mkdir -p "$dir"
    install -m 0400 "$work/$n/identity.key" "$dir/identity.key"
    install -m 0400 "$work/$n/network.secret" "$dir/network.secret"
    {
        cat "$CONFIG_DIR/$n.toml"
        for p in $NODES; do
            if [ "$p" != "$n" ]; then
                echo
                cat "$work/$p.peer"
            fi
        done
    } >"$work/$n.toml"
    # Check the result as the node will (parse, peers, key file), with data_dir pointing
    # at the volume as mounted here.
    sed "s#^data_dir = .*#data_dir = \"$dir\"#" "$work/$n.toml" >"$work/$n.check.toml"
    "$FIU_NODE" show-key --config "$work/$n.check.toml" >/dev/null
    install -m 0600 "$work/$n.toml" "$dir/config.toml"
    chown -R "$NODE_UID:$NODE_GID" "$dir"
    chmod 0700 "$dir"
done
echo "keys: fiu-a, fiu-b and fiu-c are set up (one network secret, each other's peers)"
