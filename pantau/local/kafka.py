"""The local stack: a real single-node Apache Kafka (KRaft) run from jars Maven resolves.

``up`` resolves the jars (once), formats storage (once), starts ``kafka.Kafka`` in the background,
waits until it answers and creates Pantau's topics. ``down`` stops only a broker Pantau started
(it keeps a pid file with the process start time, so a reused pid is never killed). ``status``
tells a live broker from a dead one.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pantau.connections import kafka as kafka_admin
from pantau.exceptions import KafkaUnavailableError, MissingToolError, TerminalError
from pantau.settings import PROJECT_DIR, Settings

INFRA_DIR = PROJECT_DIR / "infra" / "kafka"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
START_TIMEOUT_S = 90.0


def new_cluster_id() -> str:
    """A random KRaft cluster id (22 characters of URL-safe base64), never starting with "-":
    Kafka's own ``Uuid.randomUuid`` draws again in that case, as the storage tool would read
    such an id as an option (one format in 64 failed with "expected one argument")."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass(frozen=True)
class BrokerStatus:
    """What `pantau stack status` reports."""

    state: str  # running | not-running | dead | unresponsive | external
    pid: int | None
    answering: bool
    detail: str


class LocalKafka:
    """The broker Pantau starts and stops, with its files under ``<state>/kafka``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.kafka_dir
        self.lib_dir = self.dir / "lib" / settings.kafka_version
        self.data_dir = self.dir / "data"
        self.config_path = self.dir / "server.properties"
        self.pid_path = self.dir / "broker.pid"
        self.log_path = self.dir / "broker.log"
        host, _, port = settings.kafka_bootstrap_servers.split(",")[0].rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port) if port.isdigit() else 9092
        self.controller_port = settings.kafka_controller_port

    @property
    def is_local(self) -> bool:
        return self.host in LOCAL_HOSTS and "," not in self.settings.kafka_bootstrap_servers

    # preconditions ----------------------------------------------------------------------------
    @staticmethod
    def java() -> str:
        """The java executable (JAVA_HOME first), checked to be version 17 or newer."""
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
        fix = ("install Java 17 or newer (Debian: `apt-get install -y openjdk-17-jre-headless`) "
               "or set JAVA_HOME to one")
        if not java or not Path(java).exists():
            raise MissingToolError("Java was not found", fix)
        out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
        major = int(match.group(1)) if match else 0
        if major == 1 and match and match.group(2):
            major = int(match.group(2))
        if major < 17:
            raise MissingToolError(f"Java {major or '?'} at {java} is too old for Kafka 4", fix)
        return java

    @staticmethod
    def _port_free(port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    def resolve_jars(self, *, quiet: bool = True) -> Path:
        """Let Maven copy Kafka and its runtime dependencies into ``lib/<version>`` (once)."""
        marker = self.lib_dir / ".complete"
        if marker.exists():
            return self.lib_dir
        mvn = shutil.which("mvn")
        if not mvn:
            raise MissingToolError(
                "Maven (mvn) was not found; it resolves the Kafka jars",
                "install it (Debian: `apt-get install -y maven`) and run again")
        partial = self.lib_dir.with_name(self.lib_dir.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        command = [mvn, "-B", *(["-q"] if quiet else []), "-f", str(INFRA_DIR / "pom.xml"),
                   "dependency:copy-dependencies", f"-Dkafka.version={self.settings.kafka_version}",
                   f"-DoutputDirectory={partial}", "-DincludeScope=runtime"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()
            errors = [line for line in output if "ERROR" in line] or output
            raise TerminalError(
                "Maven could not resolve the Kafka jars "
                f"(org.apache.kafka:kafka_2.13:{self.settings.kafka_version}):\n"
                + "\n".join(errors[:15])
                + "\nCheck that Maven Central is reachable and PANTAU_KAFKA_VERSION exists.")
        shutil.rmtree(self.lib_dir, ignore_errors=True)
        partial.rename(self.lib_dir)
        marker.touch()
        return self.lib_dir

    # process bookkeeping ----------------------------------------------------------------------
    @staticmethod
    def _start_time(pid: int) -> str | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        return stat.rsplit(")", 1)[1].split()[19]  # field 22: starttime

    def _recorded(self) -> tuple[int, str] | None:
        try:
            pid_text, started = self.pid_path.read_text().split()
            return int(pid_text), started
        except (OSError, ValueError):
            return None

    def running_pid(self) -> int | None:
        """The pid of the broker Pantau started, if that very process still runs."""
        recorded = self._recorded()
        if recorded and self._start_time(recorded[0]) == recorded[1]:
            return recorded[0]
        return None

    # commands ---------------------------------------------------------------------------------
    def status(self) -> BrokerStatus:
        answering = kafka_admin.broker_alive(self.settings, timeout_s=3.0)
        pid = self.running_pid()
        where = self.settings.kafka_bootstrap_servers
        if pid and answering:
            return BrokerStatus("running", pid, True,
                                f"running: pid {pid}, started by Pantau, answering at {where}")
        if pid:
            return BrokerStatus("unresponsive", pid, False,
                                f"unresponsive: pid {pid} runs but nothing answers at {where}; "
                                f"see {self.log_path}")
        if answering:
            return BrokerStatus("external", None, True,
                                f"running: a broker not started by Pantau answers at {where}")
        recorded = self._recorded()
        if recorded:
            return BrokerStatus("dead", None, False,
                                f"dead: the broker Pantau started (pid {recorded[0]}) "
                                f"is gone and nothing answers at {where}; last lines of "
                                f"{self.log_path} say why; `pantau stack up` starts it again")
        return BrokerStatus("not-running", None, False,
                            f"not running: nothing answers at {where}; `pantau stack up` starts it")

    def up(self, *, say: Callable[[str], None] = print) -> BrokerStatus:
        """Start the broker unless one already answers; create the topics. Idempotent."""
        current = self.status()
        if current.answering:
            say(f"Kafka already {current.detail}")
        elif not self.is_local:
            raise KafkaUnavailableError(self.settings.kafka_bootstrap_servers,
                                        "a remote cluster; Pantau starts only a local broker")
        else:
            if current.state == "unresponsive" and current.pid:
                self._terminate(current.pid)
            self._start(say)
        created = kafka_admin.ensure_topics(self.settings)
        if created:
            say("Created topics: " + ", ".join(created))
        return self.status()

    def _start(self, say: Callable[[str], None]) -> None:
        java = self.java()
        for port in (self.port, self.controller_port):
            if not self._port_free(port):
                raise TerminalError(
                    f"Port {port} is in use by another program that is not a Kafka broker "
                    "answering there. Stop it, or choose other ports with "
                    "PANTAU_KAFKA_BOOTSTRAP_SERVERS=localhost:<port> and "
                    "PANTAU_KAFKA_CONTROLLER_PORT.")
        if not (self.lib_dir / ".complete").exists():
            say(f"Resolving Apache Kafka {self.settings.kafka_version} jars with Maven "
                "(first run only)…")
        lib = self.resolve_jars()
        self.dir.mkdir(parents=True, exist_ok=True)
        template = (INFRA_DIR / "server.properties.template").read_text()
        self.config_path.write_text(template.format(
            broker_port=self.port, controller_port=self.controller_port, data_dir=self.data_dir))
        classpath = f"{lib}/*"
        jvm = [java, f"-Xmx{self.settings.kafka_heap}", f"-Xms{self.settings.kafka_heap}",
               "-XX:+UseG1GC", "-Djava.awt.headless=true",
               f"-Dlog4j2.configurationFile={INFRA_DIR / 'log4j2.properties'}",
               "-cp", classpath]
        if not (self.data_dir / "meta.properties").exists():
            cluster_id = new_cluster_id()
            fmt = subprocess.run(
                [*jvm, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id,
                 "-c", str(self.config_path)], capture_output=True, text=True, check=False)
            if fmt.returncode != 0:
                raise TerminalError("Formatting Kafka storage failed:\n"
                                    + (fmt.stdout + fmt.stderr)[-2000:])
        say(f"Starting Kafka {self.settings.kafka_version} (KRaft) at "
            f"{self.settings.kafka_bootstrap_servers}…")
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            process = subprocess.Popen([*jvm, "kafka.Kafka", str(self.config_path)],
                                       stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_path.write_text(f"{process.pid} {self._start_time(process.pid)}\n")
        while not kafka_admin.broker_alive(self.settings, timeout_s=2.0):
            if process.poll() is not None:
                self.pid_path.unlink(missing_ok=True)
                raise TerminalError(f"Kafka exited with code {process.returncode} while starting."
                                    f" Last lines of {self.log_path}:\n{self._tail()}")
            if time.monotonic() - started > START_TIMEOUT_S:
                raise TerminalError(f"Kafka did not answer within {START_TIMEOUT_S:.0f}s. "
                                    f"Last lines of {self.log_path}:\n{self._tail()}")
            time.sleep(0.2)
        say(f"Kafka is up (pid {process.pid}) after {time.monotonic() - started:.1f}s")

    def _tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _terminate(self, pid: int, timeout_s: float = 30.0) -> None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while self._start_time(pid) is not None and time.monotonic() < deadline:
            if _reap(pid):
                break
            time.sleep(0.1)
        if self._start_time(pid) is not None and not _reap(pid):
            os.kill(pid, signal.SIGKILL)
            while self._start_time(pid) is not None and not _reap(pid):
                time.sleep(0.05)

    def down(self) -> str:
        """Stop the broker Pantau started; leave anything else alone."""
        pid = self.running_pid()
        if pid is None:
            self.pid_path.unlink(missing_ok=True)
            if kafka_admin.broker_alive(self.settings, timeout_s=2.0):
                return ("Nothing to stop: the broker at "
                        f"{self.settings.kafka_bootstrap_servers} was not started by Pantau, "
                        "so it was left running.")
            return "Nothing to stop: no broker started by Pantau is running."
        self._terminate(pid)
        self.pid_path.unlink(missing_ok=True)
        return f"Stopped Kafka (pid {pid})."


def _reap(pid: int) -> bool:
    """Collect a child that has exited (a zombie still has a /proc entry)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    except ChildProcessError:
        state = Path(f"/proc/{pid}/stat")
        try:
            return state.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True
