#!/usr/bin/env bash
# tutorial-runner stand-in for the official postgres image's docker-entrypoint.sh, on Debian's
# PostgreSQL: on first start it makes a cluster in $PGDATA with POSTGRES_USER (default postgres) as
# superuser, POSTGRES_PASSWORD as its password (required unless POSTGRES_HOST_AUTH_METHOD=trust),
# creates POSTGRES_DB (default: the user's name), runs /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz,
# and lets every host connect with a password; then it runs postgres in the foreground.
# Each VAR may be given as VAR_FILE (a file holding the value), as the official image allows.
set -Eeo pipefail

file_env() {
	local var="$1" default="${2:-}" file_var="${1}_FILE" value
	if [ "${!var:-}" ] && [ "${!file_var:-}" ]; then
		echo >&2 "error: both $var and $file_var are set (but are exclusive)"
		exit 1
	fi
	value="$default"
	if [ "${!var:-}" ]; then
		value="${!var}"
	elif [ "${!file_var:-}" ]; then
		value="$(<"${!file_var}")"
	fi
	export "$var"="$value"
	unset "$file_var"
}

# `docker run postgres -c max_connections=50`: options are the server's
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	chmod 00700 "$PGDATA" || :
	chown postgres:postgres /var/run/postgresql
	chmod 3777 /var/run/postgresql
	exec env HOME=/var/lib/postgresql setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = postgres ]; then
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		file_env POSTGRES_PASSWORD
		file_env POSTGRES_USER postgres
		file_env POSTGRES_DB "$POSTGRES_USER"
		file_env POSTGRES_INITDB_ARGS
		: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
		if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
			cat >&2 <<-'EOE'
				Error: Database is uninitialized and superuser password is not specified.
				       You must specify POSTGRES_PASSWORD to a non-empty value for the
				       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

				       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
				       connections without a password. This is *not* recommended.
			EOE
			exit 1
		fi
		if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
			POSTGRES_INITDB_ARGS="$POSTGRES_INITDB_ARGS --waldir $POSTGRES_INITDB_WALDIR"
		fi
		# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is words, as in the official image
		initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
		printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

		# a server on the unix socket only, for the setup below
		PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
		psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
		if [ "$POSTGRES_DB" != postgres ]; then
			"${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
		fi
		for f in /docker-entrypoint-initdb.d/*; do
			[ -e "$f" ] || continue
			case "$f" in
				*.sh)
					if [ -x "$f" ]; then
						echo "$0: running $f"
						"$f"
					else
						echo "$0: sourcing $f"
						# shellcheck disable=SC1090
						. "$f"
					fi
					;;
				*.sql) echo "$0: running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
				*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
				*) echo "$0: ignoring $f" ;;
			esac
		done
		PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop
		echo
		echo 'PostgreSQL init process complete; ready for start up.'
		echo
	else
		echo
		echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
		echo
	fi
	unset POSTGRES_PASSWORD
fi

exec "$@"
