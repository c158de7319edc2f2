"""The deployment files say what the operations guide says: checked structurally here, and by `docker compose
config` where the compose plugin is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def test_compose_runs_redis_without_eviction_and_with_an_append_only_file() -> None:
    command = compose()["services"]["redis"]["command"]

    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--appendonly") + 1] == "yes"


def test_the_api_and_workers_log_in_as_a_role_that_owns_nothing() -> None:
    services = compose()["services"]
    roles = (DEPLOY / "postgres" / "roles.sh").read_text()

    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgresql://rhythm_owner:")
    for name in ("api", "worker"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql://rhythm_api:")
        assert environment["RHYTHM_MIGRATE_ON_START"] == "false"
        assert environment["RHYTHM_ENVIRONMENT"] == "production"
        assert services[name]["restart"] == "unless-stopped"
    assert "GRANT rhythm_app TO rhythm_api;" in roles
    assert "CREATE ROLE rhythm_api LOGIN NOSUPERUSER NOBYPASSRLS" in roles
    assert services["api"]["healthcheck"]["test"]
    assert services["otel-collector"]["profiles"] == ["tracing"]


def test_the_image_is_multi_stage_and_runs_unprivileged() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    ignored = (DEPLOY.parent / ".dockerignore").read_text().split()

    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2
    assert "pip install -r requirements.lock" in dockerfile
    assert "requirements-dev.lock" not in dockerfile.replace("#", "")
    assert "USER 10001" in dockerfile
    assert {".git", ".venv", "tests", "requirements-dev.lock"} <= set(ignored)


def test_the_kubernetes_manifests_have_probes_resources_an_autoscaler_and_disruption_budgets() -> None:
    documents = [
        document
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
    ]
    kinds = [document["kind"] for document in documents]
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    api = deployments["rhythm-api"]["spec"]["template"]["spec"]["containers"][0]

    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "Job", "Secret"} <= set(kinds)
    assert kinds.count("PodDisruptionBudget") == 2
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    for deployment in deployments.values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["resources"]["requests"]
        assert any(e.get("valueFrom", {}).get("secretKeyRef") for e in container["env"])


def test_docker_compose_validates_the_compose_file() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("no docker compose plugin on this machine")
    checked = subprocess.run(
        [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"RHYTHM_JWT_SECRET": "x" * 48, "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert checked.returncode == 0, checked.stderr


def test_the_compose_file_follows_the_compose_specification_schema() -> None:
    """Where `docker compose config` cannot run, the file is still checked against the Compose Specification's
    JSON Schema (compose_spec.json beside this test, as docker-compose 1.29.2 ships it, Apache-2.0), after YAML
    merge keys are resolved as Compose resolves them."""
    schema = json.loads((Path(__file__).parent / "compose_spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)

    errors = [f"{'/'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(compose())]
    broken = compose()
    broken["services"]["api"]["ports"] = "8000:8000"

    assert errors == []
    assert any("is not of type 'array'" in error.message for error in validator.iter_errors(broken))
