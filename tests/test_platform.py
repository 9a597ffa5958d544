"""How Lectern runs in production: the compose file, the image and the server config.

No Docker engine runs here, so these check what can be checked without one: Compose's own
parser, hadolint, the shell and gunicorn's config loader.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import compose

from conftest import BASE_DIR

BIN = Path(sys.executable).parent
COMPOSE = Path(compose.__file__).parent / "docker-compose"


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=BASE_DIR, capture_output=True, text=True, timeout=60, **kwargs)


def _config_with_env(folder: Path, env: str | None, *profiles: str) -> dict:
    """The services as Compose resolves the project's compose file next to this .env (none
    when ``env`` is None)."""
    shutil.copy(BASE_DIR / "docker-compose.yml", folder / "docker-compose.yml")
    if env is not None:
        (folder / ".env").write_text(env)
    profile_args = [arg for profile in profiles for arg in ("--profile", profile)]
    result = subprocess.run(
        [str(COMPOSE), *profile_args, "config", "--format", "json"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_compose_file_is_valid_and_wires_the_services():
    result = _run(str(COMPOSE), "config", "--format", "json")

    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    # The proxy is a profile: not started (nor listed) unless asked for.
    assert set(services) == {"migrate", "web", "worker", "beat", "db", "redis"}
    web = services["web"]
    assert web["environment"]["DEBUG"] == "false"
    assert web["environment"]["DATABASE_URL"].startswith("postgres://lectern:")
    assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert web["ports"][0]["target"] == 8000
    assert services["worker"]["command"] == ["worker"]
    # One beat sends the sweeps that queue again what a fault lost (docs/operations.md).
    assert services["beat"]["command"] == ["beat"]
    assert "ports" not in services["beat"] and "deploy" not in services["beat"]
    content = [v for v in web["volumes"] if v["target"] == "/app/content"]
    assert content and content[0]["read_only"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    # Web waits for the migrations in gunicorn's master instead (a podman restart of web
    # would otherwise run the finished migrate container again).
    assert "migrate" not in services["web"]["depends_on"]
    gunicorn_conf = (BASE_DIR / "platform" / "gunicorn.conf.py").read_text()
    assert 'call_command("wait_for_services", "--migrations")' in gunicorn_conf
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"


def test_every_setting_of_dot_env_reaches_the_containers(tmp_path):
    """.env is optional; when there, all of it reaches web, worker, beat and migrate (what
    `environment:` names explicitly wins)."""
    _config_with_env(tmp_path, None)  # valid without a .env
    services = _config_with_env(
        tmp_path, "WEB_CONCURRENCY=3\nLECTERN_PUBLIC_LESSONS=true\nTIME_ZONE=Europe/Paris\n"
    )
    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["WEB_CONCURRENCY"] == "3", name
        assert environment["TIME_ZONE"] == "Europe/Paris", name
        assert environment["DATABASE_URL"].startswith("postgres://lectern:"), name


def test_the_proxy_profile_puts_caddy_in_front_of_every_web_replica():
    result = _run(str(COMPOSE), "--profile", "proxy", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    proxy = json.loads(result.stdout)["services"]["proxy"]
    assert {p["target"] for p in proxy["ports"]} == {80, 443}
    caddyfile = (BASE_DIR / "platform" / "Caddyfile").read_text()
    assert "dynamic a" in caddyfile and "name web" in caddyfile


def test_behind_the_proxy_web_replicas_each_publish_a_port_on_localhost_only(tmp_path):
    """`--scale web=N` needs a port per replica: LECTERN_PORT takes a range, bound to
    127.0.0.1 so nothing outside reaches web around Caddy (docs/self-hosting.md)."""
    services = _config_with_env(tmp_path, "LECTERN_PORT=127.0.0.1:8000-8009\n", "proxy")
    (port,) = services["web"]["ports"]
    assert port["host_ip"] == "127.0.0.1"
    assert port["published"] == "8000-8009" and port["target"] == 8000
    documented = (BASE_DIR / "docs" / "self-hosting.md").read_text()
    assert "LECTERN_PORT=127.0.0.1:8000-8009" in documented


def test_dockerfile_passes_hadolint():
    result = _run(str(BIN / "hadolint"), "platform/Dockerfile")

    assert result.returncode == 0, result.stdout + result.stderr


def test_entrypoint_is_valid_shell():
    assert _run("sh", "-n", "platform/entrypoint.sh").returncode == 0


def test_gunicorn_config_loads_the_app():
    result = _run(
        str(BIN / "gunicorn"),
        "--check-config",
        "--config",
        "platform/gunicorn.conf.py",
        "config.wsgi:application",
    )

    assert result.returncode == 0, result.stdout + result.stderr


K8S = BASE_DIR / "platform" / "k8s"


def _k8s_documents() -> list[dict]:
    import yaml

    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents = []
    for name in kustomization["resources"]:
        documents += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return documents


def _validate(*paths: Path) -> subprocess.CompletedProcess:
    return _run(str(BIN / "kubernetes-validate"), "--strict", *map(str, paths))


def test_every_kubernetes_manifest_is_valid_against_the_schema():
    import yaml

    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    files = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    assert {p.name for p in files} == listed  # nothing left out of the kustomization
    result = _validate(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout + result.stderr


def test_the_schema_validator_catches_a_broken_manifest(tmp_path):
    broken = (K8S / "beat.yaml").read_text().replace("replicas: 1", "replicas: one")
    (tmp_path / "beat.yaml").write_text(broken.replace("containers:", "container:", 1))
    assert _validate(tmp_path / "beat.yaml").returncode != 0


def test_kubernetes_runs_each_role_with_probes_and_resources():
    documents = _k8s_documents()
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    assert set(deployments) == {"lectern-web", "lectern-worker", "lectern-beat"}
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["requests"], name
        assert "livenessProbe" in container, name
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    web = deployments["lectern-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert deployments["lectern-beat"]["spec"]["replicas"] == 1
    scaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }
    assert scaled == {"lectern-web", "lectern-worker"}
    (job,) = [d for d in documents if d["kind"] == "Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]


def test_static_files_are_compressed_with_brotli_as_well_as_gzip(tmp_path):
    from whitenoise.compress import Compressor

    css = tmp_path / "site.css"
    css.write_text("body { color: #1c1d21; }\n" * 200)
    written = list(Compressor(quiet=True).compress(str(css)))
    assert {Path(name).suffix for name in written} == {".gz", ".br"}
