"""deploy/k8s: every manifest valid against Kubernetes' own schemas (kubernetes-validate,
offline), and held together: commands the CLI parses, settings the settings class reads,
secrets the Secret template has, selectors that find their pods, non-root pods."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import yaml
from deploy_support import K8S, containers, load_all, manifests, parse_cli, setting_variables

KUBERNETES_VERSION = "1.30.0"
"""The oldest Kubernetes the manifests are meant for."""


def objects(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in manifests() if doc["kind"] == kind}


def pod_specs() -> dict[str, dict[str, Any]]:
    found = {
        f"Deployment/{n}": d["spec"]["template"]["spec"] for n, d in objects("Deployment").items()
    }
    found |= {f"Job/{n}": d["spec"]["template"]["spec"] for n, d in objects("Job").items()}
    return found


def test_every_manifest_is_valid_for_kubernetes():
    validate = pytest.importorskip("kubernetes_validate")
    for path, doc in manifests():
        validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert (
            doc["metadata"].get("namespace") == "points-exchange" or doc["kind"] == "Namespace"
        ), path


def test_the_kinds_the_deployment_needs_are_there():
    kinds = Counter(doc["kind"] for _, doc in manifests())
    assert kinds == {
        "Namespace": 1,
        "ConfigMap": 1,
        "Secret": 1,
        "Deployment": 2,
        "Service": 1,
        "HorizontalPodAutoscaler": 2,
        "PodDisruptionBudget": 2,
        "Job": 1,
    }


def test_kustomization_lists_every_manifest_but_the_job_and_the_secret_template():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files - {"migrate-job.yaml", "secret.example.yaml"}
    (image,) = kustomization["images"]
    for name in ("gateway", "worker"):
        (container,) = objects("Deployment")[f"exchange-{name}"]["spec"]["template"]["spec"][
            "containers"
        ]
        assert container["image"] == image["name"]
    (job,) = objects("Job").values()
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["image"] == f"{image['newName']}:{image['newTag']}"


def test_containers_run_real_commands():
    commands = {
        spec_name: [parse_cli(c["args"])[1] for c in containers(spec)]
        for spec_name, spec in pod_specs().items()
    }
    assert commands == {
        "Deployment/exchange-gateway": ["serve"],
        "Deployment/exchange-worker": ["worker"],
        "Job/exchange-migrate": ["migrate"],
    }
    assert "command" not in str(pod_specs()["Deployment/exchange-gateway"]["containers"][0].keys())


def test_settings_come_from_the_configmap_and_secrets_the_template_names():
    known = setting_variables()
    (config,) = objects("ConfigMap").values()
    assert set(config["data"]) <= known, set(config["data"]) - known
    assert config["data"]["EXCHANGE_ENV"] == "production"
    assert config["data"]["EXCHANGE_PUBLIC_URL"].startswith("https://")
    (secret,) = load_all(K8S / "secret.example.yaml")
    for spec_name, spec in pod_specs().items():
        for container in containers(spec):
            assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
            names = {e["name"] for e in container["env"]}
            exchange = {n for n in names if n.startswith("EXCHANGE_")}
            assert exchange <= known, (spec_name, exchange - known)
            assert {"EXCHANGE_DATABASE_URL", "EXCHANGE_SECRET_KEY"} <= exchange
            for entry in container["env"]:
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref is None:
                    assert not entry["name"].startswith("EXCHANGE_"), "secrets only from the Secret"
                    continue
                assert ref["name"] == secret["metadata"]["name"]
                assert ref["key"] in secret["stringData"], (spec_name, ref)


def test_pods_run_unprivileged_with_a_read_only_root():
    for spec_name, spec in pod_specs().items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001, spec_name
        assert spec["automountServiceAccountToken"] is False
        for container in containers(spec):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["readOnlyRootFilesystem"] is True
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert "memory" in container["resources"]["limits"]
            assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}


def test_services_autoscalers_and_budgets_find_their_deployments():
    deployments = objects("Deployment")
    labels = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in deployments.items()}
    for name, deployment in deployments.items():
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels[name].items()
    (service,) = objects("Service").values()
    selected = [
        n for n, lab in labels.items() if service["spec"]["selector"].items() <= lab.items()
    ]
    assert selected == ["exchange-gateway"]
    (gateway,) = deployments["exchange-gateway"]["spec"]["template"]["spec"]["containers"]
    assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in gateway["ports"]}
    assert "--port" in gateway["args"]
    assert (
        str(gateway["ports"][0]["containerPort"])
        == gateway["args"][gateway["args"].index("--port") + 1]
    )
    for hpa in objects("HorizontalPodAutoscaler").values():
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments
        assert hpa["spec"]["minReplicas"] >= 2
    budgets = {
        n
        for p in objects("PodDisruptionBudget").values()
        for n, lab in labels.items()
        if p["spec"]["selector"]["matchLabels"].items() <= lab.items()
    }
    assert budgets == set(deployments)


def test_the_gateway_is_probed_on_its_health_route():
    from exchange.gateway.app import create_app_from
    from exchange.kit.settings import Settings

    routes = {getattr(r, "path", None) for r in create_app_from(Settings()).routes}
    (gateway,) = objects("Deployment")["exchange-gateway"]["spec"]["template"]["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert gateway[probe]["httpGet"]["path"] in routes
