#!/bin/sh
# tutorial-runner stand-in for the official redis image's docker-entrypoint.sh (Debian's redis-server):
# a first argument that is an option (`--appendonly yes`) or a .conf file is redis-server's.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi
exec "$@"
