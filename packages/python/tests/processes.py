"""End-to-end harness of the package's tests: the WeChat simulator's CLI and the built
token-server (apps/token-server/dist/main.js) as real processes on free loopback ports,
with temp dirs, output captured for waiting on, and everything stopped at teardown."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
SIM_MAIN = REPO_ROOT / "packages" / "wechat-sim" / "dist" / "main.js"
SERVER_MAIN = REPO_ROOT / "apps" / "token-server" / "dist" / "main.js"
STARTUP_TIMEOUT = 20.0

APP_ID = "wxe2e0000000000001"
OTHER_APP_ID = "wxe2e0000000000002"
SECRET = "e2e-app-secret-7f3a9c"
OTHER_SECRET = "e2e-app-secret-other-41d2"
ADMIN_KEY = "e2e-admin-key-9b1d"
# A WeCom corp with two agents (each its own secret), for start_simulator(wecom=True).
CORP_ID = "wwpy000000000000c1"
AGENT_TWO = 1000002
AGENT_THREE = 1000003
# A third-party platform (开放平台), for start_simulator(open_platform=True); its secrets go to
# the token-server in files, as the config requires.
COMPONENT_APP_ID = "wxpycomponent00001"
AUTHORIZER_APP_ID = "wxpyauthorizer0001"
COMPONENT_SECRET = "py-component-secret-5e0b"
MESSAGE_TOKEN = "pymessagetoken"
ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """A child process whose merged stdout and stderr is read on a thread, so that tests
    wait for a line instead of sleeping."""

    def __init__(self, name: str, args: List[str], env: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        self._output: List[str] = []
        self._changed = threading.Condition()
        self.child = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._output)

    def _read(self) -> None:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            with self._changed:
                self._output.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_output(self, pattern: str, timeout: float = STARTUP_TIMEOUT) -> "re.Match[str]":
        """The first match of ``pattern`` in the output; fails if the process exits first."""
        regex = re.compile(pattern)
        found: List["re.Match[str]"] = []

        def ready() -> bool:
            match = regex.search("".join(self._output))
            if match is not None:
                found.append(match)
                return True
            return self.child.poll() is not None and not self._reader.is_alive()

        with self._changed:
            self._changed.wait_for(ready, timeout)
        if not found:
            raise RuntimeError(
                f"{self.name} printed no /{pattern}/ within {timeout} s "
                f"(exit code {self.child.poll()}):\n{self.output}"
            )
        return found[0]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited 10 s later."""
        if self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
            try:
                self.child.wait(10)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
        self._reader.join(10)


@dataclass
class Simulator:
    process: Process
    url: str

    def _admin(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/__sim/{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> Dict[str, Any]:
        return self._admin("GET", "stats")

    def open_platform(self, action: str, **body: Any) -> Any:
        """A third-party platform event (push-ticket, authorize, unauthorize, callback-url),
        for COMPONENT_APP_ID unless told; answered once the push to the callback is done."""
        body.setdefault("componentAppId", COMPONENT_APP_ID)
        return self._admin("POST", f"open-platform/{action}", body)

    def reset(self) -> None:
        self._admin("POST", "reset", {})

    def inject(self, **fault: Any) -> None:
        """Adds a fault (SimFault keys: endpoint, errcode, count, appId, ...)."""
        self._admin("POST", "faults", fault)

    def send_template(self, access_token: str) -> Dict[str, Any]:
        """A template message sent straight to WeChat (the simulator) with ``access_token``,
        as a business service would; WeChat's JSON answer."""
        request = urllib.request.Request(
            f"{self.url}/cgi-bin/message/template/send?access_token={access_token}",
            data=json.dumps(
                {
                    "touser": "oUser0000000000000000000001A",
                    "template_id": "tpl-1",
                    "data": {"first": {"value": "hi"}},
                }
            ).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@dataclass
class TokenServer:
    config_path: Path
    process: Process
    grpc_target: str
    http_url: str


@dataclass
class Harness:
    """Starts processes and temp dirs; ``close()`` stops and removes every one of them."""

    processes: List[Process] = field(default_factory=list)
    dirs: List[tempfile.TemporaryDirectory] = field(default_factory=list)

    def start_simulator(
        self,
        apps: Optional[Dict[str, str]] = None,
        *,
        wecom: bool = False,
        open_platform: bool = False,
    ) -> Simulator:
        """The simulator with ``apps`` (default: the two e2e apps), with ``wecom`` the corp
        CORP_ID whose agents AGENT_TWO and AGENT_THREE have SECRET and OTHER_SECRET, and with
        ``open_platform`` the platform COMPONENT_APP_ID (tickets pushed on demand only)."""
        apps = apps if apps is not None else {APP_ID: SECRET, OTHER_APP_ID: OTHER_SECRET}
        args = ["node", str(SIM_MAIN), "--port", "0"]
        for app_id, secret in apps.items():
            args += ["--app", f"{app_id}:{secret}"]
        sim_config: Dict[str, Any] = {}
        if wecom:
            sim_config["wecom"] = [
                {
                    "corp_id": CORP_ID,
                    "secrets": [
                        {"agent_id": AGENT_TWO, "secret": SECRET},
                        {"agent_id": AGENT_THREE, "secret": OTHER_SECRET},
                    ],
                }
            ]
        if open_platform:
            sim_config["open_platforms"] = [
                {
                    "component_app_id": COMPONENT_APP_ID,
                    "secret": COMPONENT_SECRET,
                    "token": MESSAGE_TOKEN,
                    "encoding_aes_key": ENCODING_AES_KEY,
                    "ticket_push_interval_s": 0,
                }
            ]
        if sim_config:
            args += ["--config", str(self._write_json("sim.yaml", sim_config))]
        process = self._spawn("wechat-sim", args)
        url = process.wait_for_output(r"wechat-sim listening on (\S+)").group(1)
        return Simulator(process, url)

    def _write_json(self, name: str, content: Dict[str, Any]) -> Path:
        """``content`` as JSON (which is YAML) in a new temp dir; the path of the file."""
        directory = tempfile.TemporaryDirectory(prefix="wxtoken-py-")
        self.dirs.append(directory)
        path = Path(directory.name) / name
        path.write_text(json.dumps(content, indent=2))
        return path

    def write_server_config(
        self,
        sim: Simulator,
        *,
        grpc_port: int = 0,
        http_port: int = 0,
        wecom: bool = False,
        open_platform: bool = False,
    ) -> Path:
        """A token-server config (JSON is YAML) for ``sim``'s two apps and an admin key, with
        ``wecom`` the simulator's WeCom corp (agent two with its agent_config ticket), and with
        ``open_platform`` its third-party platform (secrets in files; jsapi tickets kept)."""
        directory = tempfile.TemporaryDirectory(prefix="wxtoken-py-")
        self.dirs.append(directory)
        config: Dict[str, Any] = {
            "listen": {"grpc": f"127.0.0.1:{grpc_port}", "http": f"127.0.0.1:{http_port}"},
            "store": {"kind": "embedded", "path": str(Path(directory.name) / "store")},
            "wechat": {"base_url": sim.url, "timeout_ms": 2000},
            "refresh": {
                "lead_s": 2,
                "retry_initial_ms": 50,
                "retry_max_ms": 500,
                "passive_min_interval_s": 0,
            },
            "apps": [
                {"app_id": APP_ID, "secret": "${env:E2E_SECRET}", "mode": "stable"},
                {"app_id": OTHER_APP_ID, "secret": "${env:E2E_OTHER_SECRET}", "mode": "classic"},
            ],
            "callers": [
                {
                    "name": "admin",
                    "key_sha256": hashlib.sha256(ADMIN_KEY.encode()).hexdigest(),
                    "apps": ["*"],
                    "permissions": ["token.read", "token.refresh", "message.send", "admin"],
                }
            ],
        }
        if wecom:
            config["wechat"]["wecom_base_url"] = sim.url
            config["wecom"] = [
                {
                    "corp_id": CORP_ID,
                    "agents": [
                        {
                            "agent_id": AGENT_TWO,
                            "secret": "${env:E2E_SECRET}",
                            "tickets": ["agent_config"],
                        },
                        {"agent_id": AGENT_THREE, "secret": "${env:E2E_OTHER_SECRET}"},
                    ],
                }
            ]
        if open_platform:
            files = Path(directory.name)
            for name, text in [
                ("component-secret", COMPONENT_SECRET),
                ("message-token", MESSAGE_TOKEN),
                ("aes-key", ENCODING_AES_KEY),
            ]:
                (files / name).write_text(text)
            config["open_platforms"] = [
                {
                    "component_app_id": COMPONENT_APP_ID,
                    "secret_file": str(files / "component-secret"),
                    "token_file": str(files / "message-token"),
                    "encoding_aes_key_file": str(files / "aes-key"),
                    "tickets": ["jsapi"],
                }
            ]
        path = Path(directory.name) / "config.yaml"
        path.write_text(json.dumps(config, indent=2))
        return path

    def start_token_server(self, config_path: Path) -> TokenServer:
        process = self._spawn(
            "token-server",
            ["node", str(SERVER_MAIN), "--config", str(config_path)],
            {"E2E_SECRET": SECRET, "E2E_OTHER_SECRET": OTHER_SECRET},
        )
        ports = process.wait_for_output(r'"grpc_port":(\d+),"http_port":(\d+)')
        return TokenServer(
            config_path, process, f"127.0.0.1:{ports.group(1)}", f"http://127.0.0.1:{ports.group(2)}"
        )

    def _spawn(self, name: str, args: List[str], env: Optional[Dict[str, str]] = None) -> Process:
        for main in (SIM_MAIN, SERVER_MAIN):
            if str(main) in args and not main.is_file():
                raise RuntimeError(f"{main} is missing: run `pnpm build` first")
        process = Process(name, args, env)
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        for directory in self.dirs:
            directory.cleanup()
