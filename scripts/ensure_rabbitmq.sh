#!/usr/bin/env bash
# Print the paths of a usable RabbitMQ (rabbitmq-server and rabbitmqctl), installing Debian's
# rabbitmq-server package first when it is missing (as root, or via sudo). The queue tests start
# a private node on free ports from them (tests/servers/rabbitmq.py reads $PRONTO_TEST_RABBITMQ_SERVER
# and $PRONTO_TEST_RABBITMQCTL): the machine's own broker (if any, usually on 5672) is used only
# when a private node cannot start, and is never restarted or reconfigured. Installing starts no
# daemon that is left running (a broker or epmd the package's scripts started is stopped again).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/sbin /usr/lib/rabbitmq/bin)
rabbitmq_pids() { for name in beam.smp epmd; do pgrep -x "$name" 2>/dev/null || true; done | sort -u; }
# The scripts have no harmless --version; the Erlang runtime they start must be there too.
usable() { [ -x "$1" ] && [ -x "$2" ] && command -v erl >/dev/null; }

server="$(find_tool rabbitmq-server || true)"
ctl="$(find_tool rabbitmqctl || true)"
if [ -z "$server" ] || [ -z "$ctl" ]; then
  require_installer "rabbitmq-server is missing and there is no apt-get: install RabbitMQ (package rabbitmq-server)" \
    "rabbitmq-server is missing; run as root (or install sudo) to install it: apt-get install rabbitmq-server"
  install_without_daemons rabbitmq_pids "rabbitmq-server" rabbitmq-server
  exit_unless_installed rabbitmq-server
  server="$(find_tool rabbitmq-server || true)"
  ctl="$(find_tool rabbitmqctl || true)"
fi
if [ -z "$server" ] || [ -z "$ctl" ] || ! usable "$server" "$ctl"; then
  say "no working rabbitmq-server / rabbitmqctl found (tried PATH, /usr/sbin, /usr/lib/rabbitmq/bin; package rabbitmq-server)"
  exit 1
fi
echo "RABBITMQ_SERVER=$server"
echo "RABBITMQCTL=$ctl"
