"""The local stack: a real Apache Kafka (KRaft) run from jars Maven resolves.

One broker by default (:class:`LocalKafka`), or a cluster of three (:class:`LocalKafkaCluster`,
``pantau stack up --brokers 3``). ``up`` resolves the jars (once), formats storage (once), starts
``kafka.Kafka`` in the background, waits until it answers and creates Pantau's topics. ``down``
stops only a broker Pantau started (it keeps a pid file with the process start time, so a reused
pid is never killed). ``status`` tells a live broker from a dead one.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pantau.connections import kafka as kafka_admin
from pantau.exceptions import KafkaUnavailableError, MissingToolError, TerminalError
from pantau.settings import LOCAL_HOSTS, PROJECT_DIR, Settings

INFRA_DIR = PROJECT_DIR / "infra" / "kafka"
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

    def _answers(self, *, timeout_s: float) -> bool:
        return kafka_admin.broker_alive(self.settings, timeout_s=timeout_s)

    # commands ---------------------------------------------------------------------------------
    def status(self) -> BrokerStatus:
        answering = self._answers(timeout_s=3.0)
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
        self._await(self._launch(say), say)

    @property
    def name(self) -> str:
        """How messages name this broker."""
        return "Kafka"

    @property
    def _which(self) -> str:
        return ""

    def _config(self) -> str:
        template = (INFRA_DIR / "server.properties.template").read_text()
        return template.format(broker_port=self.port, controller_port=self.controller_port,
                               data_dir=self.data_dir)

    def _format_options(self) -> list[str]:
        return ["--standalone", "-t", new_cluster_id()]

    def _launch(self, say: Callable[[str], None]) -> subprocess.Popen[bytes]:
        """Check the ports, format storage when new, start the process and record its pid."""
        return self._spawn(self._prepare(say), say)

    def _prepare(self, say: Callable[[str], None]) -> list[str]:
        """Check the ports, write the config, format storage when new; return the JVM command
        line (without the main class)."""
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
        self.config_path.write_text(self._config())
        classpath = f"{lib}/*"
        jvm = [java, f"-Xmx{self.settings.kafka_heap}", f"-Xms{self.settings.kafka_heap}",
               "-XX:+UseG1GC", "-Djava.awt.headless=true",
               f"-Dlog4j2.configurationFile={INFRA_DIR / 'log4j2.properties'}",
               "-cp", classpath]
        if not (self.data_dir / "meta.properties").exists():
            fmt = subprocess.run(
                [*jvm, "kafka.tools.StorageTool", "format", *self._format_options(),
                 "-c", str(self.config_path)], capture_output=True, text=True, check=False)
            if fmt.returncode != 0:
                raise TerminalError("Formatting Kafka storage failed:\n"
                                    + (fmt.stdout + fmt.stderr)[-2000:])
        return jvm

    def _spawn(self, jvm: list[str], say: Callable[[str], None]) -> subprocess.Popen[bytes]:
        say(f"Starting Kafka {self.settings.kafka_version} (KRaft){self._which} at "
            f"{self.settings.kafka_bootstrap_servers}…")
        with self.log_path.open("ab") as log:
            process = subprocess.Popen([*jvm, "kafka.Kafka", str(self.config_path)],
                                       stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_path.write_text(f"{process.pid} {self._start_time(process.pid)}\n")
        return process

    def _await(self, process: subprocess.Popen[bytes], say: Callable[[str], None]) -> None:
        """Wait until the broker started as ``process`` answers (or fails, or times out)."""
        started = time.monotonic()
        while not self._answers(timeout_s=2.0):
            if process.poll() is not None:
                self.pid_path.unlink(missing_ok=True)
                raise TerminalError(f"{self.name} exited with code {process.returncode} while "
                                    f"starting. Last lines of {self.log_path}:\n{self._tail()}")
            if time.monotonic() - started > START_TIMEOUT_S:
                raise TerminalError(f"{self.name} did not answer within {START_TIMEOUT_S:.0f}s. "
                                    f"Last lines of {self.log_path}:\n{self._tail()}")
            time.sleep(0.2)
        say(f"{self.name} is up (pid {process.pid}) after {time.monotonic() - started:.1f}s")

    def _tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _terminate(self, pid: int, timeout_s: float = 30.0) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:  # already gone (and reaped)
            return
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


class ClusterNode(LocalKafka):
    """One node of the local three-broker cluster: a broker and a KRaft voter in one process,
    with its files under ``<state>/kafka/cluster/node-<n>``.

    Its ``settings`` name this node alone (its address and controller port), so ``status`` and
    the start-up wait ask this very broker.
    """

    def __init__(self, cluster: LocalKafkaCluster, node_id: int) -> None:
        offset = 2 * (node_id - 1)
        super().__init__(cluster.settings.replace(
            kafka_bootstrap_servers=f"{cluster.address_host}:{cluster.port + offset}",
            kafka_controller_port=cluster.controller_port + offset, kafka_brokers=1))
        self.cluster = cluster
        self.node_id = node_id
        self.dir = cluster.dir / f"node-{node_id}"
        self.data_dir = self.dir / "data"
        self.config_path = self.dir / "server.properties"
        self.pid_path = self.dir / "broker.pid"
        self.log_path = self.dir / "broker.log"

    @property
    def name(self) -> str:
        return f"Kafka node {self.node_id}"

    @property
    def _which(self) -> str:
        return f" node {self.node_id}"

    def _config(self) -> str:
        template = (INFRA_DIR / "cluster.properties.template").read_text()
        return template.format(node_id=self.node_id, voters=self.cluster.voters,
                               broker_port=self.port, controller_port=self.controller_port,
                               data_dir=self.data_dir, brokers=len(self.cluster.nodes))

    def _format_options(self) -> list[str]:
        # Static voters (controller.quorum.voters in the config): no --standalone here.
        return ["-t", self.cluster.cluster_id()]

    def _answers(self, *, timeout_s: float) -> bool:
        """True when this node answers the bootstrap metadata request. (A further request could
        go to another node: one that has just died would make a live node look unresponsive,
        and `up` would restart it.)"""
        try:
            kafka_admin.admin_client(self.settings, timeout_s=timeout_s).close()
        except KafkaUnavailableError:
            return False
        return True


@dataclass(frozen=True)
class ClusterStatus:
    """What `pantau stack status` reports for the three-broker cluster."""

    nodes: list[BrokerStatus]

    @property
    def answering(self) -> bool:
        """True when a majority of the nodes answer: the quorum stands and, with two replicas
        in sync, ``acks=all`` writes go through."""
        return 2 * sum(node.answering for node in self.nodes) > len(self.nodes)

    @property
    def state(self) -> str:
        live = sum(node.answering for node in self.nodes)
        if live == len(self.nodes):
            return "running"
        return "degraded" if self.answering else "not-running" if live == 0 else "down"

    @property
    def detail(self) -> str:
        live = sum(node.answering for node in self.nodes)
        head = {"running": "running", "degraded": "degraded (still serving)",
                "down": "down (no quorum)", "not-running": "not running"}[self.state]
        lines = [f"cluster of {len(self.nodes)} brokers, {head}: {live} of {len(self.nodes)} "
                 "answer"]
        lines += [f"  broker {n}: {node.detail}" for n, node in enumerate(self.nodes, start=1)]
        return "\n".join(lines)


class LocalKafkaCluster:
    """Three local KRaft nodes, each broker and controller (a 3-voter quorum), one cluster id.

    Node n listens at the port of ``PANTAU_KAFKA_BOOTSTRAP_SERVERS`` + 2(n-1) and its controller
    at ``PANTAU_KAFKA_CONTROLLER_PORT`` + 2(n-1); files live under ``<state>/kafka/cluster``.
    """

    def __init__(self, settings: Settings, brokers: int = 3) -> None:
        self.settings = settings.replace(kafka_brokers=brokers)
        self.dir = settings.kafka_dir / "cluster"
        host, _, port = settings.kafka_bootstrap_servers.split(",")[0].strip().rpartition(":")
        self.address_host = host or "localhost"
        self.host = self.address_host.strip("[]")
        self.port = int(port) if port.isdigit() else 9092
        self.controller_port = settings.kafka_controller_port
        self.nodes = [ClusterNode(self, node_id) for node_id in range(1, brokers + 1)]

    @property
    def is_local(self) -> bool:
        return self.host in LOCAL_HOSTS

    @property
    def voters(self) -> str:
        """``controller.quorum.voters``: every node's id and controller address."""
        return ",".join(f"{node.node_id}@localhost:{node.controller_port}"
                        for node in self.nodes)

    def cluster_id(self) -> str:
        """The id every node is formatted with (drawn once, kept in ``cluster.id``)."""
        path = self.dir / "cluster.id"
        if not path.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            path.write_text(new_cluster_id() + "\n")
        return path.read_text().strip()

    def running_pids(self) -> list[int]:
        return [pid for node in self.nodes if (pid := node.running_pid())]

    def status(self) -> ClusterStatus:
        return ClusterStatus([node.status() for node in self.nodes])

    def up(self, *, say: Callable[[str], None] = print) -> ClusterStatus:
        """Start the nodes that do not answer, wait for all, create the topics. Idempotent: a
        node that was killed is started again and rejoins with its data."""
        single = LocalKafka(self.settings.replace(kafka_brokers=1))
        if single.running_pid():
            raise TerminalError(
                f"The single local broker Pantau started runs (pid {single.running_pid()}) on "
                f"{single.port}; stop it with `pantau stack down` first (its data stays), then "
                "start the cluster.")
        current = [node.status() for node in self.nodes]
        if all(status.answering for status in current):
            say("Kafka cluster already running: " + ", ".join(
                f"broker {node.node_id} at {node.settings.kafka_bootstrap_servers}"
                for node in self.nodes))
        elif not self.is_local:
            raise KafkaUnavailableError(self.settings.kafka_bootstrap_servers,
                                        "a remote cluster; Pantau starts only a local one")
        else:
            strangers = [f"{node.settings.kafka_bootstrap_servers}"
                         for node, status in zip(self.nodes, current, strict=True)
                         if status.state == "external"]
            if strangers:
                raise TerminalError(
                    f"A Kafka broker Pantau's cluster did not start answers at "
                    f"{', '.join(strangers)}: stop it, or give the cluster other ports with "
                    "PANTAU_KAFKA_BOOTSTRAP_SERVERS and PANTAU_KAFKA_CONTROLLER_PORT.")
            if not (single.lib_dir / ".complete").exists():
                say(f"Resolving Apache Kafka {self.settings.kafka_version} jars with Maven "
                    "(first run only)…")
                single.resolve_jars()
            launched = []
            try:
                for node, status in zip(self.nodes, current, strict=True):
                    if status.state == "unresponsive" and status.pid:
                        node._terminate(status.pid)
                # Formatting runs a JVM per new node: in parallel, then start them all.
                starting = [node for node, status in zip(self.nodes, current, strict=True)
                            if not status.answering]
                self.cluster_id()  # drawn once, before the nodes format in parallel
                with ThreadPoolExecutor(len(starting)) as pool:
                    commands = list(pool.map(lambda node: node._prepare(say), starting))
                for node, jvm in zip(starting, commands, strict=True):
                    launched.append((node, node._spawn(jvm, say)))
                # The nodes wait for each other (a quorum needs two voters): start all, then wait.
                for node, process in launched:
                    node._await(process, say)
            except BaseException:
                for node, _process in launched:
                    if pid := node.running_pid():
                        node._terminate(pid)
                        node.pid_path.unlink(missing_ok=True)
                raise
        created = kafka_admin.ensure_topics(self.settings)
        if created:
            say("Created topics: " + ", ".join(created))
        return self.status()

    def down(self) -> str:
        """Stop every node Pantau started; leave anything else alone."""
        running = [(node, pid) for node in self.nodes if (pid := node.running_pid())]
        # All at once: a node stopping alone waits for a quorum that the others' exit breaks.
        for _node, pid in running:
            os.kill(pid, signal.SIGTERM)
        stopped = []
        for node, pid in running:
            node._terminate(pid)
            stopped.append(f"node {node.node_id} (pid {pid})")
        for node in self.nodes:
            node.pid_path.unlink(missing_ok=True)
        if not stopped:
            return "Nothing to stop: no Kafka cluster node started by Pantau is running."
        return "Stopped Kafka " + ", ".join(stopped) + "."


def local_kafka(settings: Settings) -> LocalKafka | LocalKafkaCluster:
    """The local Kafka of `pantau stack`: the cluster when PANTAU_KAFKA_BROKERS is 3 or a node
    of the cluster Pantau started still runs, else the single broker."""
    cluster = LocalKafkaCluster(settings)
    if settings.kafka_brokers > 1 or cluster.running_pids():
        return cluster
    return LocalKafka(settings)


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
