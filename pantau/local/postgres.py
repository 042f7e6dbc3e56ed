"""PostgreSQL, the serving database for BI tools: the local cluster and how Pantau logs in.

``pantau stack up`` starts a local cluster from Debian's ``postgresql`` package, as it starts
Kafka: the data directory lives under ``PANTAU_PG_DIR`` (``.pantau/postgres``), owned by the
``postgres`` system user, who runs the server (through ``runuser`` when Pantau runs as root, so
the server never runs as root). The cluster listens on ``PANTAU_PG_HOST:PANTAU_PG_PORT`` and on a
Unix socket in the same directory, where the administrator (the ``postgres`` database role) logs
in by peer authentication. ``infra/postgres/roles.sql`` then creates the database, the writer
role (publish) and the reader role (BI tools), the same script docker-compose and a DBA run.

With ``PANTAU_PG_URL`` set, publish writes into that existing server and nothing is started.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pantau.connections.postgres import (
    client_host,
    reader_passfile,
    reader_password,
    where,
    writer_password,
)
from pantau.exceptions import MissingToolError, TerminalError
from pantau.keys import is_loopback
from pantau.settings import PROJECT_DIR, Settings

ROLES_SQL = PROJECT_DIR / "infra" / "postgres" / "roles.sql"
#: Connections the local server keeps beyond the reader role's limit: the writer's and the
#: administrator's (three of them reserved for superusers by PostgreSQL itself).
EXTRA_CONNECTIONS = 20
WRITER_CONNECTIONS = 5
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PostgresStatus:
    """What `pantau stack status` reports about PostgreSQL."""

    state: str  # running | not-running | stale | external | not-initialised
    pid: int | None
    detail: str


def _bin_dir() -> Path:
    """The newest PostgreSQL server binaries of Debian's packages (or on the PATH)."""
    base = Path("/usr/lib/postgresql")
    versions = sorted((p for p in base.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise MissingToolError(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found",
        "install them (Debian: `apt-get install -y postgresql`; `make install` does) or set "
        "PANTAU_PG_URL to an existing server")


class LocalPostgres:
    """The PostgreSQL cluster Pantau starts and stops, with its files under ``PANTAU_PG_DIR``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.pg_dir
        self._place(self._moved_to() or self.dir)

    def _place(self, home: Path) -> None:
        self.home = home
        self.data_dir = home / "data"
        self.run_dir = home / "run"
        self.log_path = home / "postgres.log"

    @property
    def _pointer(self) -> Path:
        return self.dir / "moved-to"

    def _moved_to(self) -> Path | None:
        try:
            return Path(self._pointer.read_text().strip())
        except OSError:
            return None

    @property
    def is_local(self) -> bool:
        return not self.settings.pg_url

    # who runs it ------------------------------------------------------------------------------
    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _run_as(self, command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Run a server program as the ``postgres`` system user (we are root) or as ourselves."""
        if self._as_root():
            command = ["runuser", "-u", "postgres", "--", *command]
        done: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
            command, capture_output=True, text=True, check=False, **kwargs)
        return done

    def _server_user(self) -> str:
        return "postgres" if self._as_root() else getpass.getuser()

    def _prepare_dirs(self, say: Callable[[str], None]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(exist_ok=True)
        if not self.log_path.exists():
            self.log_path.touch()
        if not self._as_root():
            return
        try:
            shutil.chown(self.run_dir, "postgres", "postgres")
            shutil.chown(self.log_path, "postgres", "postgres")
        except LookupError:
            raise MissingToolError(
                "The `postgres` system user does not exist; it runs the local PostgreSQL",
                "install Debian's `postgresql` package (`make install` does)") from None
        if self._run_as(["test", "-w", str(self.run_dir)]).returncode == 0:
            return
        if self.home != self.dir:
            raise TerminalError(f"The `postgres` system user cannot write {self.run_dir}.")
        # A folder above the checkout is closed to other users (a home directory, a mktemp -d):
        # the server, which must not run as root, keeps its files in the postgres user's home
        # instead, and PANTAU_PG_DIR notes where.
        elsewhere = self._fallback_home()
        say(f"The `postgres` system user cannot reach {self.dir} (a folder above it is not "
            f"searchable by other users); the cluster lives in {elsewhere} instead (choose "
            "another place with PANTAU_PG_DIR, or `chmod o+x` the folders above it).")
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.log_path.unlink(missing_ok=True)
        elsewhere.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.chown(elsewhere, "postgres", "postgres")
        self._pointer.write_text(f"{elsewhere}\n")
        self._place(elsewhere)
        self._prepare_dirs(say)

    def _fallback_home(self) -> Path:
        import hashlib
        import pwd

        digest = hashlib.sha256(str(self.dir).encode()).hexdigest()[:12]
        return Path(pwd.getpwnam("postgres").pw_dir) / f"pantau-{digest}"

    # status -----------------------------------------------------------------------------------
    def pid(self) -> int | None:
        """The postmaster's pid, if the cluster of our data directory runs."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first)
        except (OSError, ValueError, IndexError):
            return None
        return pid if Path(f"/proc/{pid}").exists() else None

    def status(self) -> PostgresStatus:
        if not self.is_local:
            return PostgresStatus("external", None, f"external: publish writes to {where(self.settings)}")
        if not (self.data_dir / "PG_VERSION").exists():
            return PostgresStatus("not-initialised", None,
                                  "not running: no cluster yet; `pantau stack up` creates and starts it")
        pid = self.pid()
        if pid:
            return PostgresStatus("running", pid,
                                  f"running: pid {pid}, started by Pantau, at "
                                  f"{client_host(self.settings.pg_host)}:{self.settings.pg_port} "
                                  f"(data {self.data_dir})")
        if (self.data_dir / "postmaster.pid").exists():
            return PostgresStatus("stale", None,
                                  f"dead: the server Pantau started is gone; last lines of "
                                  f"{self.log_path} say why; `pantau stack up` starts it again")
        return PostgresStatus("not-running", None,
                              "not running: `pantau stack up` starts it")

    # up / down --------------------------------------------------------------------------------
    def up(self, *, say: Callable[[str], None] = print) -> PostgresStatus:
        """Create (once), configure and start the cluster, then create the roles. Idempotent."""
        if not self.is_local:
            say(f"PostgreSQL: publishing to {where(self.settings)}; nothing to start")
            return self.status()
        bin_dir = _bin_dir()
        self._prepare_dirs(say)
        if not (self.data_dir / "PG_VERSION").exists():
            say(f"Creating a PostgreSQL cluster in {self.data_dir}…")
            self._initdb(bin_dir)
        self._configure()
        if self.pid() is None:
            say(f"Starting PostgreSQL ({bin_dir.parent.name}) at "
                f"{client_host(self.settings.pg_host)}:{self.settings.pg_port}…")
            started = self._run_as([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l",
                                    str(self.log_path), "-w", "-t", str(START_TIMEOUT_S), "start"])
            if started.returncode != 0:
                raise TerminalError(
                    f"PostgreSQL did not start: {(started.stdout + started.stderr).strip()}\n"
                    f"Last lines of {self.log_path}:\n{self._tail()}\n(Is port "
                    f"{self.settings.pg_port} taken? Choose another with PANTAU_PG_PORT.)")
        else:
            self._run_as([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "reload"])
        self.provision(say=say)
        return self.status()

    def _initdb(self, bin_dir: Path) -> None:
        partial = self.data_dir.with_name("data.partial")
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(mode=0o700)
        if self._as_root():
            shutil.chown(partial, "postgres", "postgres")
        done = self._run_as([str(bin_dir / "initdb"), "-D", str(partial), "-U", "postgres",
                             "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8",
                             "--locale=C.UTF-8"])
        if done.returncode != 0:
            raise TerminalError("initdb failed:\n" + (done.stdout + done.stderr)[-2000:])
        partial.rename(self.data_dir)

    def _configure(self) -> None:
        """Write the server's settings and who may log in how (rewritten at every start)."""
        s = self.settings
        tls = bool(s.pg_ssl_cert_file and s.pg_ssl_key_file)
        lines = [
            "# Written by `pantau stack up` from the PANTAU_PG_* settings; edits are overwritten.",
            f"listen_addresses = '{s.pg_host}'",
            f"port = {s.pg_port}",
            f"unix_socket_directories = '{self.run_dir}'",
            f"max_connections = {s.pg_reader_connections + EXTRA_CONNECTIONS}",
            "superuser_reserved_connections = 3",
            "password_encryption = 'scram-sha-256'",
            "authentication_timeout = '10s'",
            "shared_buffers = '128MB'",
            "# Publishing is a bulk load: a table created and filled in one transaction writes no",
            "# WAL at wal_level minimal (no replicas here), and fewer checkpoints interrupt it.",
            "wal_level = minimal",
            "max_wal_senders = 0",
            "max_wal_size = '4GB'",
            "maintenance_work_mem = '256MB'",
            "log_line_prefix = '%m [%p] %q%u@%d '",
            f"ssl = {'on' if tls else 'off'}",
        ]
        if tls:
            self._install_tls(Path(s.pg_ssl_cert_file), Path(s.pg_ssl_key_file))
            lines += ["ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        (self.data_dir / "pantau.conf").write_text("\n".join(lines) + "\n")
        main_conf = self.data_dir / "postgresql.conf"
        include = "include_if_exists = 'pantau.conf'"
        if include not in main_conf.read_text():
            with main_conf.open("a") as out:
                out.write(f"\n{include}\n")
        loopback = is_loopback(s.pg_host)
        remote = "hostssl" if tls else "host"
        hba = [
            "# Written by `pantau stack up`; edits are overwritten.",
            "# The administrator: the postgres role over the Unix socket, by peer authentication.",
            "local all postgres peer map=pantau",
            "# Everybody else: SCRAM-SHA-256 passwords over TCP.",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
        ]
        if not loopback:
            hba += [f"{remote} all all 0.0.0.0/0 scram-sha-256",
                    f"{remote} all all ::/0 scram-sha-256"]
        (self.data_dir / "pg_hba.conf").write_text("\n".join(hba) + "\n")
        users = sorted({"postgres", getpass.getuser(), self._server_user()})
        ident = ["# Written by `pantau stack up`: these system users log in as the postgres role."]
        ident += [f"pantau {user} postgres" for user in users]
        (self.data_dir / "pg_ident.conf").write_text("\n".join(ident) + "\n")
        if self._as_root():
            for name in ("pantau.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(self.data_dir / name, "postgres", "postgres")

    def _install_tls(self, cert: Path, key: Path) -> None:
        """Copy the certificate and key into the data directory, owned by the server's user with
        the modes PostgreSQL insists on (it refuses a key others can read)."""
        for source, name, mode in ((cert, "server.crt", 0o644), (key, "server.key", 0o600)):
            try:
                data = source.read_bytes()
            except OSError as error:
                variable = "PANTAU_PG_SSL_CERT_FILE" if name == "server.crt" else "PANTAU_PG_SSL_KEY_FILE"
                raise TerminalError(f"{variable}={source} cannot be read ({error.strerror}): "
                                    "point it at a PEM file.") from None
            target = self.data_dir / name
            target.write_bytes(data)
            target.chmod(mode)
            if self._as_root():
                shutil.chown(target, "postgres", "postgres")

    def admin_conninfo(self, database: str = "postgres") -> str:
        """libpq conninfo of the administrator over the cluster's Unix socket."""
        return f"host={self.run_dir} port={self.settings.pg_port} user=postgres dbname={database}"

    def provision(self, *, database: str | None = None,
                  say: Callable[[str], None] = print) -> None:
        """Create or update the database, the writer and the reader (``infra/postgres/roles.sql``)."""
        s = self.settings
        psql = shutil.which("psql")
        if not psql:
            raise MissingToolError("psql was not found",
                                   "install Debian's `postgresql-client` (`make install` does)")
        env = {**os.environ, "PANTAU_PG_WRITER_PASSWORD": writer_password(s),
               "PANTAU_PG_READER_PASSWORD": reader_password(s), "PGCONNECT_TIMEOUT": "10"}
        variables = {
            "database": database or s.pg_database, "writer": s.pg_writer, "reader": s.pg_reader,
            "reader_connections": str(s.pg_reader_connections),
            "writer_connections": str(WRITER_CONNECTIONS),
            "statement_timeout": f"{s.pg_statement_timeout_s}s",
            "idle_timeout": f"{s.pg_idle_timeout_s}s",
        }
        command = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                   self.admin_conninfo(), "-f", str(ROLES_SQL)]
        for name, value in variables.items():
            command[2:2] = ["-v", f"{name}={value}"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise TerminalError(f"Creating Pantau's database and roles failed "
                                f"({ROLES_SQL.name}):\n{done.stderr.strip()[-2000:]}")
        reader_passfile(s)

    def create_database(self, name: str) -> None:
        """A further database with the same roles and grants (tests give each test its own)."""
        self.provision(database=name, say=lambda _m: None)

    def drop_database(self, name: str) -> None:
        psql = shutil.which("psql") or "psql"
        subprocess.run([psql, "-X", "-q", "-d", self.admin_conninfo(), "-c",
                        f'drop database if exists "{name}" with (force)'],
                       capture_output=True, text=True, check=False)

    def down(self) -> str:
        """Stop the cluster of our data directory (fast shutdown); nothing else."""
        if not self.is_local:
            return "PostgreSQL: external (PANTAU_PG_URL), left alone."
        pid = self.pid()
        if pid is None:
            return "PostgreSQL: nothing to stop."
        bin_dir = _bin_dir()
        done = self._run_as([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
                             "-w", "stop"])
        if done.returncode != 0:
            raise TerminalError(f"pg_ctl stop failed: {(done.stdout + done.stderr).strip()}")
        return f"Stopped PostgreSQL (pid {pid})."

    def _tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
