"""The operator's deploy/ folder agrees with itself, with docs/deployment.md and with the code: the
Kubernetes manifests (deploy/kubernetes), the Dockerfile (deploy/docker) and the documented
environment variables. No cluster, no image build, no network."""

import functools
import ipaddress
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
DOCKER = ROOT / "deploy" / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
SECRET_TEMPLATE = KUBERNETES / "secret.template.yaml"

# Where the code that runs in the deployed containers reads the environment.
RUNTIME_CODE = [ROOT / "bot", ROOT / "actions", ROOT / "rasa_components", DOCKER]
RUNTIME_CONFIG = [ROOT / "endpoints.yml", *DOCKER.glob("*.yml")]

# Variables read by the libraries rather than by our code, with the file that reads each (package,
# path inside it). Checked against the installed package when its environment is there.
LIBRARY_VARIABLES = {
    "RASA_TELEMETRY_ENABLED": [("rasa", "telemetry.py")],
    "LOG_LEVEL": [("rasa", "shared/constants.py")],
    "LOG_LEVEL_LIBRARIES": [("rasa", "constants.py"), ("rasa_sdk", "constants.py")],
    "SANIC_HOST": [("rasa_sdk", "endpoint.py")],
    "SQL_POOL_SIZE": [("rasa", "core/constants.py")],
    "SQL_MAX_OVERFLOW": [("rasa", "core/constants.py")],
}
# Set by the images for the interpreter and pip, not for the product.
INTERPRETER_VARIABLES = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_DISABLE_PIP_VERSION_CHECK"}

# Containers that serve no port and so have no probes (the reason is in their manifest).
WITHOUT_PROBES = {("Deployment", "maintenance", "maintenance")}

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")


# --- loading -------------------------------------------------------------------------------------

def _manifest_files() -> list[Path]:
    return sorted([*KUBERNETES.rglob("*.yaml"), *KUBERNETES.rglob("*.yml")])


@functools.cache
def _documents() -> tuple[tuple[Path, dict], ...]:
    """Every YAML document under deploy/kubernetes, parsed once (read-only by convention)."""
    documents = []
    for path in _manifest_files():
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                documents.append((path, document))
    return tuple(documents)


def _kustomization() -> dict:
    return yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))


def _resources(kind: str | None = None) -> list[dict]:
    """The manifests kustomization.yaml applies to a cluster (not the components' patches)."""
    applied = {KUBERNETES / name for name in _kustomization()["resources"]}
    return [
        document for path, document in _documents()
        if path in applied and (kind is None or document["kind"] == kind)
    ]


def _workloads() -> list[dict]:
    return [document for document in _resources() if document["kind"] in {"Deployment", "Job"}]


def _pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def _containers(workload: dict, *, init: bool = True) -> list[dict]:
    spec = _pod_spec(workload)
    return [*spec.get("containers", []), *(spec.get("initContainers", []) if init else [])]


def _secret_template() -> dict:
    [secret] = [document for path, document in _documents() if path == SECRET_TEMPLATE]
    return secret


def _configmap() -> dict:
    [configmap] = _resources("ConfigMap")
    return configmap


# --- the manifests -------------------------------------------------------------------------------

def test_every_manifest_parses_and_names_itself():
    documents = _documents()
    assert len(documents) >= 10
    for path, document in documents:
        where = path.relative_to(ROOT)
        assert isinstance(document, dict), where
        assert document.get("apiVersion"), f"{where}: no apiVersion"
        assert document.get("kind"), f"{where}: no kind"
        if document["kind"] not in {"Kustomization", "Component"}:
            assert (document.get("metadata") or {}).get("name"), f"{where}: {document['kind']} without metadata.name"


def test_kustomization_applies_every_manifest_but_never_the_secret_template():
    listed = set(_kustomization()["resources"])
    for name in listed:
        assert (KUBERNETES / name).is_file(), f"kustomization.yaml lists {name}, which does not exist"
    assert SECRET_TEMPLATE.name not in listed, "kubectl apply -k would overwrite the real Secret with placeholders"
    top_level = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml", SECRET_TEMPLATE.name}
    assert top_level == listed, f"not applied: {sorted(top_level - listed)}"
    for component in (KUBERNETES / "components").iterdir():
        spec = yaml.safe_load((component / "kustomization.yaml").read_text(encoding="utf-8"))
        for patch in spec.get("patches", []):
            assert (component / patch["path"]).is_file(), f"{component.name}: {patch['path']} is missing"


def test_the_topology_has_its_replicas():
    replicas = {deployment["metadata"]["name"]: deployment["spec"]["replicas"] for deployment in _resources("Deployment")}
    assert replicas == {"rasa": 2, "actions": 2, "web": 2, "maintenance": 1}
    assert [job["metadata"]["name"] for job in _resources("Job")] == ["migrate"]
    services = {service["metadata"]["name"] for service in _resources("Service")}
    assert services == {"rasa", "actions", "web"}
    budgets = {budget["metadata"]["name"] for budget in _resources("PodDisruptionBudget")}
    assert budgets == {"rasa", "actions", "web"}


def _probe_target(probe: dict) -> tuple[object, str]:
    """(port, path) an HTTP or exec probe asks."""
    if "httpGet" in probe:
        return probe["httpGet"]["port"], probe["httpGet"]["path"]
    match = re.search(r"https?://127\.0\.0\.1:(\d+)(/[a-z]*)", " ".join(probe["exec"]["command"]))
    assert match, f"an exec probe that asks no local URL: {probe['exec']['command']}"
    return int(match.group(1)), match.group(2)


def test_every_serving_container_has_probes_on_its_own_port():
    health_paths = {"rasa": {"/", "/status"}, "actions": {"/health"}, "web": {"/healthz", "/readyz"}}
    for deployment in _resources("Deployment"):
        name = deployment["metadata"]["name"]
        for container in _containers(deployment, init=False):
            key = ("Deployment", name, container["name"])
            if key in WITHOUT_PROBES:
                assert not container.get("ports"), f"{name}/{container['name']} serves a port: it needs probes"
                continue
            ports = {port["name"] for port in container.get("ports", [])} | {
                port["containerPort"] for port in container.get("ports", [])
            }
            for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
                probe = container.get(probe_name)
                if probe is None:
                    assert probe_name == "startupProbe", f"{name}/{container['name']} has no {probe_name}"
                    continue
                port, path = _probe_target(probe)
                assert port in ports, f"{name}: {probe_name} on an undeclared port"
                assert path in health_paths[name], f"{name}: {probe_name} on an unknown path"


def test_every_container_has_requests_and_limits():
    for workload in _workloads():
        for container in _containers(workload):
            resources = container.get("resources") or {}
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    assert (resources.get(section) or {}).get(resource), (
                        f"{workload['metadata']['name']}/{container['name']}: no {section}.{resource}"
                    )


def test_every_pod_runs_unprivileged_on_a_read_only_root():
    for workload in _workloads():
        spec, name = _pod_spec(workload), workload["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in _containers(workload):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, f"{name}/{container['name']}"
            assert context["readOnlyRootFilesystem"] is True, f"{name}/{container['name']}"
            assert context["capabilities"]["drop"] == ["ALL"], f"{name}/{container['name']}"


def test_only_the_web_app_reaches_rasa_and_only_rasa_reaches_the_actions():
    policies = {policy["metadata"]["name"]: policy for policy in _resources("NetworkPolicy")}
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}

    def sources(target: str) -> list[dict]:
        return [
            peer
            for policy in policies.values()
            if policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component") == target
            for rule in policy["spec"].get("ingress", [])
            for peer in rule.get("from", [])
        ]

    assert sources("rasa") == [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "bekymring", "app.kubernetes.io/component": "web"}}}]
    assert sources("actions") == [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "bekymring", "app.kubernetes.io/component": "rasa"}}}]


def test_web_rasa_and_the_actions_talk_https_verified_by_the_internal_ca():
    """ASVS 12.3.1 / 12.3.3 (docs/deployment.md, "Internal TLS")."""
    config = _configmap()["data"]
    assert config["RASA_URL"].startswith("https://rasa:") and config["ACTION_ENDPOINT_URL"].startswith("https://actions:")
    tls = "/etc/bekymring/tls"
    assert config["RASA_CA_FILE"] == config["ACTION_ENDPOINT_CA_FILE"] == f"{tls}/ca.crt"
    deployments = {deployment["metadata"]["name"]: deployment for deployment in _resources("Deployment")}
    for name in ("rasa", "actions", "web"):
        [container] = _containers(deployments[name], init=False)
        [mount] = [mount for mount in container["volumeMounts"] if mount["mountPath"] == tls]
        [volume] = [volume for volume in _pod_spec(deployments[name])["volumes"] if volume["name"] == mount["name"]]
        assert volume["secret"]["secretName"] == "bekymring-internal-tls" and mount["readOnly"], name
        if name == "web":
            # The web app serves HTTPS to the ingress with the Secret's certificate and key.
            items = {item["key"]: item["path"] for item in volume["secret"]["items"]}
            assert items == {"ca.crt": "ca.crt", "tls.crt": "tls.crt", "tls.key": "tls.key"}
            assert config["WEB_TLS_CERT_FILE"] == f"{tls}/tls.crt" and config["WEB_TLS_KEY_FILE"] == f"{tls}/tls.key"
            assert {"configMapRef": {"name": _configmap()["metadata"]["name"]}} in container["envFrom"]
            pod_annotations = deployments[name]["spec"]["template"]["metadata"]["annotations"]
            assert pod_annotations["prometheus.io/scheme"] == "https"  # Prometheus scrapes the pods directly
        else:
            words = [*container.get("command", []), *container.get("args", [])]
            assert words[words.index("--ssl-certificate") + 1] == f"{tls}/tls.crt", name
            assert words[words.index("--ssl-keyfile") + 1] == f"{tls}/tls.key", name
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if "httpGet" in container.get(probe, {}):
                assert container[probe]["httpGet"]["scheme"] == "HTTPS", f"{name} {probe}"
    endpoints = yaml.safe_load((DOCKER / "rasa-endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["cafile"] == "${ACTION_ENDPOINT_CA_FILE}"


def test_the_ingress_talks_https_to_the_web_app_and_verifies_it():
    """ASVS 12.3.3, the last hop: ingress-nginx → web over HTTPS, the web app's certificate checked
    against the internal CA under the name of the Service "web" (docs/deployment.md, "Internal TLS")."""
    namespace = _kustomization()["namespace"]
    services = {service["metadata"]["name"] for service in _resources("Service")}
    ingresses = _resources("Ingress")
    assert ingresses
    for ingress in ingresses:
        name, annotations = ingress["metadata"]["name"], ingress["metadata"].get("annotations", {})
        assert ingress["spec"]["ingressClassName"] == "nginx", name  # the annotations are ingress-nginx's
        assert annotations.get("nginx.ingress.kubernetes.io/backend-protocol") == "HTTPS", name
        assert annotations.get("nginx.ingress.kubernetes.io/proxy-ssl-verify") == "on", name
        assert annotations.get("nginx.ingress.kubernetes.io/proxy-ssl-secret") == f"{namespace}/bekymring-internal-tls", name
        assert annotations.get("nginx.ingress.kubernetes.io/proxy-ssl-server-name") == "on", name
        backends = {path["backend"]["service"]["name"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
        assert backends == {"web"} <= services, name
        assert annotations.get("nginx.ingress.kubernetes.io/proxy-ssl-name") == f"web.{namespace}.svc", name
    # The certificate must carry that name: docs/deployment.md's cert-manager example lists it.
    doc = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    [names] = re.findall(r"dnsNames: \[([^\]]*)\]", doc)
    listed = {name.strip() for name in names.split(",")}
    for service in ("rasa", "actions", "web"):
        assert {service, f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"} <= listed, service


def test_the_ingress_keeps_no_access_log_and_closes_the_metrics():
    closed = set()
    for ingress in _resources("Ingress"):
        annotations = ingress["metadata"].get("annotations", {})
        assert annotations.get("nginx.ingress.kubernetes.io/enable-access-log") == "false", ingress["metadata"]["name"]
        paths = {path["path"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
        if annotations.get("nginx.ingress.kubernetes.io/allowlist-source-range") == "127.0.0.1/32":
            closed |= paths
    assert "/metrics" in closed


def test_the_secret_template_holds_placeholders_only():
    secret = _secret_template()
    assert "data" not in secret, "a template has no base64 data: use stringData with <PLACEHOLDERS>"
    values = secret["stringData"]
    assert values
    for name, value in values.items():
        assert PLACEHOLDER.search(value), f"{name} has no <PLACEHOLDER>"
        rest = PLACEHOLDER.sub("", value)
        # What is left must be structure (scheme, port, options), never a credential or a token.
        assert not re.search(r"[A-Za-z0-9_\-+/=]{16,}", rest), f"{name} looks like a real value: {rest!r}"
        credentials = re.match(r"^[a-z+]+://([^@/]*)@", value)
        if credentials:
            for part in credentials.group(1).split(":"):
                assert part == "" or PLACEHOLDER.fullmatch(part), f"{name}: the user or password is not a placeholder"
        assert len(rest) <= 40 or "://" in value, f"{name} holds more than a placeholder"


def test_secret_references_name_keys_of_the_secret_and_the_configmap():
    secret_keys = set(_secret_template()["stringData"])
    configmap = _configmap()
    for workload in _workloads():
        for container in _containers(workload):
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] == configmap["metadata"]["name"]
            for variable in container.get("env", []):
                reference = (variable.get("valueFrom") or {}).get("secretKeyRef")
                if reference:
                    assert reference["name"] == _secret_template()["metadata"]["name"]
                    assert reference["key"] in secret_keys, f"{workload['metadata']['name']}: {reference['key']}"


# --- environment variables: manifests, docs and code agree ---------------------------------------

def _documented_variables() -> dict[str, bool]:
    """docs/deployment.md's table under "## Environment variables": name -> secret or not."""
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    section = text.split("\n## Environment variables", 1)[1].split("\n## ", 1)[0]
    variables = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", cells[0]) if len(cells) >= 5 else None
        if match:
            assert cells[3] in {"yes", "no"}, f"{match.group(1)}: the Secret column says {cells[3]!r}"
            variables[match.group(1)] = cells[3] == "yes"
    return variables


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerfile_environment() -> set[str]:
    names = set()
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "ENV":
            names |= {token.split("=", 1)[0] for token in shlex.split(arguments)}
    return names - INTERPRETER_VARIABLES


def _manifest_variables() -> set[str]:
    names = set(_configmap()["data"]) | set(_secret_template()["stringData"])
    for workload in _workloads():
        for container in _containers(workload):
            names |= {variable["name"] for variable in container.get("env", [])}
    return names | _dockerfile_environment()


def _command_line_variables() -> set[str]:
    """Names handed to a program on its command line: $(NAME) in a container's command or args."""
    names = set()
    for workload in _workloads():
        for container in _containers(workload):
            for word in [*container.get("command", []), *container.get("args", [])]:
                names |= set(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", word))
    return names


QUOTED = r"[\"']([A-Z][A-Z0-9_]*)[\"']"
ENVIRONMENT_READ = re.compile(r"(?:os\.environ(?:\.get)?\s*[\(\[]|os\.getenv\s*\()\s*(?:" + QUOTED + r"|([A-Z][A-Z0-9_]*)\b)")


def _code_variables() -> set[str]:
    """Every variable the deployed code reads: os.environ / os.getenv in Python (by name, or through
    a module constant holding the name) and ${NAME} in Rasa's endpoint files. A read the scan
    cannot resolve fails, so a new way of reading the environment cannot slip past."""
    names = set()
    for directory in RUNTIME_CODE:
        for path in directory.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            constants = dict(re.findall(r"^([A-Z][A-Z0-9_]*)\s*=\s*" + QUOTED, text, flags=re.MULTILINE))
            for number, line in enumerate(text.splitlines(), 1):
                if "os.environ" not in line and "getenv(" not in line:
                    continue
                where = f"{path.relative_to(ROOT)}:{number}"
                reads = ENVIRONMENT_READ.findall(line)
                assert reads, f"{where}: reads the environment in a way this test does not recognise"
                for quoted, constant in reads:
                    assert quoted or constant in constants, f"{where}: cannot tell which variable {constant} names"
                    names.add(quoted or constants[constant])
    for path in RUNTIME_CONFIG:
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", path.read_text(encoding="utf-8")))
    return names


def test_every_variable_the_manifests_set_is_documented():
    documented = _documented_variables()
    undocumented = _manifest_variables() - set(documented)
    assert not undocumented, f"set in deploy/ but missing from docs/deployment.md: {sorted(undocumented)}"


def test_every_variable_the_code_reads_is_documented():
    undocumented = _code_variables() - set(_documented_variables())
    assert not undocumented, f"read by the code but missing from docs/deployment.md: {sorted(undocumented)}"


def test_every_documented_variable_is_read_by_something():
    readers = _code_variables() | set(LIBRARY_VARIABLES) | _command_line_variables()
    unread = set(_documented_variables()) - readers
    assert not unread, f"documented but read by nothing: {sorted(unread)}"


def test_the_docs_mark_exactly_the_secret_template_keys_as_secret():
    documented = _documented_variables()
    secret_keys = set(_secret_template()["stringData"])
    assert {name for name, secret in documented.items() if secret} == secret_keys
    assert not set(_configmap()["data"]) & secret_keys


def test_rasa_gets_every_variable_its_endpoints_file_needs():
    needed = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", (DOCKER / "rasa-endpoints.yml").read_text(encoding="utf-8")))
    [rasa] = [deployment for deployment in _resources("Deployment") if deployment["metadata"]["name"] == "rasa"]
    [container] = _containers(rasa, init=False)
    given = {variable["name"] for variable in container.get("env", [])}
    if container.get("envFrom"):
        given |= set(_configmap()["data"])
    assert needed and needed <= given, f"Rasa would stop at start without {sorted(needed - given)}"


def _package_directory(package: str) -> Path | None:
    in_rasa_venv = sorted((ROOT / ".venv-rasa" / "lib").glob(f"python3*/site-packages/{package}"))
    if in_rasa_venv:
        return in_rasa_venv[0]
    spec = importlib.util.find_spec(package)
    return Path(spec.origin).parent if spec and spec.origin else None


@pytest.mark.parametrize("name", sorted(LIBRARY_VARIABLES))
def test_library_variables_are_read_where_we_say(name):
    for package, relative in LIBRARY_VARIABLES[name]:
        directory = _package_directory(package)
        if directory is None:
            pytest.skip(f"{package} is not installed here")
        assert f'"{name}"' in (directory / relative).read_text(encoding="utf-8"), f"{package}/{relative} no longer reads {name}"


# --- the Dockerfile ------------------------------------------------------------------------------

def _dockerignore() -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip().strip("/")
        regex, index = "", 0
        while index < len(pattern):
            if pattern.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
            elif pattern.startswith("**", index):
                regex, index = regex + ".*", index + 2
            elif pattern[index] == "*":
                regex, index = regex + "[^/]*", index + 1
            elif pattern[index] == "?":
                regex, index = regex + "[^/]", index + 1
            else:
                regex, index = regex + re.escape(pattern[index]), index + 1
        rules.append((negated, re.compile(regex + r"\Z")))
    return rules


def _in_build_context(relative: str, rules) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories decides."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:length]) for length in range(1, len(parts) + 1)]
    ignored = False
    for negated, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not negated
    return not ignored


def test_every_file_the_dockerfile_copies_exists_and_is_in_the_build_context():
    rules = _dockerignore()
    stages = set()
    copied = []
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "FROM":
            words = arguments.split()
            if len(words) == 3 and words[1].upper() == "AS":
                stages.add(words[2])
        if keyword != "COPY":
            continue
        words = shlex.split(arguments)
        flags = [word for word in words if word.startswith("--")]
        sources = [word for word in words if not word.startswith("--")][:-1]
        source_stage = next((flag.split("=", 1)[1] for flag in flags if flag.startswith("--from=")), None)
        if source_stage:
            assert source_stage in stages, f"COPY --from={source_stage}: no such stage before it"
            continue
        copied += sources
    assert {"rasa", "app"} <= stages
    assert copied
    for source in copied:
        path = ROOT / source
        assert path.exists(), f"the Dockerfile copies {source}, which does not exist"
        files = [path] if path.is_file() else [child for child in path.rglob("*") if child.is_file()]
        relative = [str(file.relative_to(ROOT)) for file in files]
        assert any(_in_build_context(name, rules) for name in relative), f"{source} is excluded by .dockerignore"
        if path.is_file():
            assert _in_build_context(source, rules), f"{source} is excluded by .dockerignore"


def test_the_build_context_leaves_out_local_state():
    rules = _dockerignore()
    for local in (".venv/bin/python", ".venv-rasa/bin/rasa", "var/handoff.key", "var/handoffs.db",
                  "models/current.tar.gz", "results/logs/web.log", ".git/config", "tests/test_deploy.py",
                  "bot/__pycache__/__init__.cpython-310.pyc"):
        assert not _in_build_context(local, rules), f"{local} would be sent to the image build"


def test_both_images_run_as_the_unprivileged_user():
    stage, users = None, {}
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "FROM":
            words = arguments.split()
            stage = words[2] if len(words) == 3 else None
        elif keyword == "USER":
            users[stage] = arguments
    uid = {workload["spec"]["template"]["spec"]["securityContext"]["runAsUser"] for workload in _workloads()}
    assert users.get("rasa") == users.get("app") == "10001:10001"
    assert uid == {10001}


# --- the schema wait of the init containers ------------------------------------------------------

def _wait_for_schema():
    spec = importlib.util.spec_from_file_location("wait_for_schema", DOCKER / "wait_for_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_init_containers_wait_until_the_schema_is_migrated(tmp_path):
    from sqlalchemy import create_engine, text

    from bot.store.migrate import upgrade

    wait_for_schema = _wait_for_schema()
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    assert wait_for_schema.schema_state(url)[0] is False           # empty: the Job has not run
    upgrade(url, "0001")
    assert wait_for_schema.schema_state(url)[0] is False           # an older version's schema
    assert wait_for_schema.wait(timeout=0, interval=0, url=url) is False
    upgrade(url)
    assert wait_for_schema.schema_state(url)[0] is True
    assert wait_for_schema.wait(timeout=0, interval=0, url=url) is True
    engine = create_engine(url)
    with engine.begin() as connection:                              # a newer version migrated it
        connection.execute(text("update alembic_version set version_num = 'f00dcafe'"))
    engine.dispose()
    assert wait_for_schema.schema_state(url)[0] is True


def test_every_deployment_that_uses_the_database_waits_for_the_schema():
    for deployment in _resources("Deployment"):
        uses_database = any(
            variable["name"] == "DATABASE_URL" for container in _containers(deployment, init=False)
            for variable in container.get("env", [])
        )
        waits = [container for container in _pod_spec(deployment).get("initContainers", [])
                 if container.get("command", [])[:2] == ["python", "wait_for_schema.py"]]
        assert bool(waits) == uses_database, deployment["metadata"]["name"]


# --- kustomize (kubectl's built-in copy), when kubectl is installed ------------------------------

@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_the_manifests_with_and_without_the_emptydir_spool(tmp_path):
    def build(directory: Path) -> list[dict]:
        result = subprocess.run(
            ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(directory)],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr
        return [document for document in yaml.safe_load_all(result.stdout) if document]

    plain = build(KUBERNETES)
    assert {document["metadata"].get("namespace") for document in plain if document["kind"] != "Namespace"} == {"bekymring"}
    assert any(document["kind"] == "PersistentVolumeClaim" for document in plain)

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump({  # kustomize wants relative paths
        "resources": [os.path.relpath(KUBERNETES, overlay)],
        "components": [os.path.relpath(KUBERNETES / "components" / "spool-emptydir", overlay)],
    }))
    with_emptydir = build(overlay)
    assert not any(document["kind"] == "PersistentVolumeClaim" for document in with_emptydir)
    for document in with_emptydir:
        if document["kind"] == "Deployment" and document["metadata"]["name"] in {"actions", "maintenance"}:
            [spool] = [volume for volume in _pod_spec(document)["volumes"] if volume["name"] == "spool"]
            assert "emptyDir" in spool and "persistentVolumeClaim" not in spool


def test_only_the_ingress_is_a_trusted_proxy():
    """TRUSTED_PROXIES names a small pool (the ingress controller's pods), not a private range."""
    networks = [ipaddress.ip_network(item.strip()) for item in _configmap()["data"]["TRUSTED_PROXIES"].split(",")]
    assert networks and all(network.num_addresses <= 256 for network in networks)
