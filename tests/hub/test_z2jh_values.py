"""The shipped Zero to JupyterHub values: valid for the chart (4.4.0), and right for lessonkit.

The chart's schema is checked offline on ``deep_merge(chart defaults, ours)``, as ``helm``
does. The schema does not look inside ``hub.services`` or ``hub.loadRoles`` entries, so the
rest of this module checks those (and the pieces that must agree with each other) itself.
"""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = Path(__file__).with_name("data") / "z2jh-4.4.0"
SHIPPED = ROOT / "extensions" / "jupyterhub"
VALUES = {name: SHIPPED / name for name in ("z2jh-values.yaml", "z2jh-values-external.yaml")}
SCOPE = "access:services!service=lessonkit"


def deep_merge(base: Any, over: Any) -> Any:
    """``over`` on top of ``base``: mappings merge key by key, anything else replaces."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return copy.deepcopy(over)
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = deep_merge(out.get(key), value) if key in out else copy.deepcopy(value)
    return out


def schema_errors(values: Any) -> list[str]:
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(values)
    ]


def chart_defaults() -> Any:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def load(name: str) -> Any:
    return yaml.safe_load(VALUES[name].read_text())


@pytest.mark.parametrize("name", sorted(VALUES))
def test_the_values_pass_the_chart_schema(name: str) -> None:
    assert schema_errors(chart_defaults()) == []
    assert schema_errors(deep_merge(chart_defaults(), load(name))) == []


def test_the_lms_login_values_pass_the_chart_schema_on_top_of_the_service() -> None:
    lti = yaml.safe_load((SHIPPED / "z2jh-values-lti.yaml").read_text())
    merged = deep_merge(deep_merge(chart_defaults(), load("z2jh-values.yaml")), lti)
    assert schema_errors(merged) == []
    assert schema_errors(deep_merge(chart_defaults(), lti)) == []


def test_the_lms_login_values_are_right() -> None:
    """The authenticator reads the service's own configuration file, and its settings are
    real options of the classes they name (the schema cannot tell)."""
    from traitlets.config import Config
    from traitlets.utils.importstring import import_item

    from lessonkit.hub.hubconfig import add_lti_login

    config = yaml.safe_load((SHIPPED / "z2jh-values-lti.yaml").read_text())["hub"]["config"]
    command = load("z2jh-values.yaml")["hub"]["services"]["lessonkit"]["command"]
    service_config = command[command.index("--config") + 1]
    assert config["LessonkitLTIAuthenticator"]["lessonkit_config"] == service_config
    cls = import_item(config["JupyterHub"]["authenticator_class"])
    options = cls.class_traits(config=True)
    assert {"lessonkit_config", "manage_groups"} <= set(options)
    assert config["Authenticator"]["manage_groups"] is True
    # the same as the hub configuration a plain hub gets from add_lti_login
    c = Config()
    add_lti_login(c, config=service_config)
    assert {k: dict(v) for k, v in c.items()} == config
    assert "loadGroups" not in load("z2jh-values.yaml")["hub"]  # groups come from launches


@pytest.mark.parametrize(
    ("override", "caught"),
    [
        ({"hub": {"loadRole": {}}}, "'loadRole' was unexpected"),
        ({"hub": {"loadRoles": [{"name": "x"}]}}, "is not of type 'object'"),
        ({"hub": {"services": [{"name": "lessonkit"}]}}, "is not of type 'object'"),
        ({"hub": {"config": {"loadRoles": {}}}}, "does not match any of the regexes"),
    ],
)
def test_the_schema_check_is_not_vacuous(override: Any, caught: str) -> None:
    errors = schema_errors(deep_merge(chart_defaults(), override))
    assert any(caught in e for e in errors), errors


def check_scopes(scopes: Any) -> None:
    from jupyterhub.scopes import _check_scopes_exist

    assert isinstance(scopes, list) and all(isinstance(s, str) for s in scopes), scopes
    _check_scopes_exist(scopes)  # raises for a scope JupyterHub does not know


@pytest.mark.parametrize("name", sorted(VALUES))
def test_services_and_roles_are_right(name: str) -> None:
    hub = load(name)["hub"]
    services = hub["services"]
    assert list(services) == ["lessonkit"]
    service = services["lessonkit"]
    allowed = {"url", "command", "display", "name", "admin", "environment", "oauth_no_confirm"}
    assert set(service) <= allowed
    assert re.fullmatch(r"http://[a-z0-9.-]+:\d+", service["url"])
    assert service["display"] is False and service["oauth_no_confirm"] is True
    roles = hub["loadRoles"]
    assert isinstance(roles, dict)
    for role in roles.values():
        assert set(role) <= {"name", "description", "scopes", "users", "groups", "services"}
        check_scopes(role["scopes"])
        for key in ("users", "groups", "services"):
            assert all(isinstance(x, str) for x in role.get(key, []))
    # Both halves: a server token gets what it requests AND its user holds.
    assert SCOPE in roles["user"]["scopes"] and "self" in roles["user"]["scopes"]
    requested = hub["config"]["Spawner"]["server_token_scopes"]
    check_scopes(requested)
    assert SCOPE in requested and set(requested) <= set(roles["server"]["scopes"])
    assert roles["lessonkit-service"]["services"] == ["lessonkit"]
    assert {"list:groups", "read:groups"} <= set(roles["lessonkit-service"]["scopes"])
    values = load(name)
    store = values["singleuser"]["extraEnv"]["LESSONKIT_STORE"]
    assert store == "hub+http://proxy-public/services/lessonkit/"


def test_the_managed_service_gets_its_database_and_a_route() -> None:
    values = load("z2jh-values.yaml")
    hub = values["hub"]
    command = hub["services"]["lessonkit"]["command"]
    assert command[:3] == ["python3", "-m", "lessonkit.hub"]
    port = int(command[command.index("--port") + 1])
    assert hub["services"]["lessonkit"]["url"] == f"http://hub:{port}"
    assert hub["service"]["extraPorts"] == [{"name": "lessonkit", "port": port, "targetPort": port}]
    assert [p["port"] for r in hub["networkPolicy"]["ingress"] for p in r["ports"]] == [port]
    egress = values["proxy"]["chp"]["networkPolicy"]["egress"]
    assert [p["port"] for r in egress for p in r["ports"]] == [port]
    config = Path(command[command.index("--config") + 1])
    mounts = {m["mountPath"]: m["name"] for m in hub["extraVolumeMounts"]}
    assert mounts[str(config.parent)] == "lessonkit-courses"
    secret = hub["extraEnv"]["LESSONKIT_HUB_DB"]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "lessonkit-db", "key": "url"}
    # The managed service's environment is only what it is given: the snippet passes it on.
    services: list[dict[str, Any]] = [{"name": "lessonkit"}, {"name": "other"}]
    c = SimpleNamespace(JupyterHub=SimpleNamespace(services=services))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESSONKIT_HUB_DB", "postgresql://x")
        exec(hub["extraConfig"]["lessonkit"], {"c": c})  # our own shipped snippet
    assert services[0]["environment"] == {"LESSONKIT_HUB_DB": "postgresql://x"}
    assert "environment" not in services[1]


def test_the_external_deployment_matches_the_values() -> None:
    docs = list(yaml.safe_load_all((SHIPPED / "k8s" / "lessonkit-service.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"Deployment", "Service", "NetworkPolicy"}
    pod = kinds["Deployment"]["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert labels["hub.jupyter.org/network-access-hub"] == "true"  # the hub's ingress rule
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "hub",
        "key": "hub.services.lessonkit.apiToken",
    }
    assert env["LESSONKIT_HUB_DB"]["valueFrom"]["secretKeyRef"]["name"] == "lessonkit-db"
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == "/services/lessonkit/"
    port = int(container["command"][container["command"].index("--port") + 1])
    external = load("z2jh-values-external.yaml")
    assert external["hub"]["services"]["lessonkit"]["url"] == f"http://lessonkit:{port}"
    assert "command" not in external["hub"]["services"]["lessonkit"]
    rule = external["proxy"]["chp"]["networkPolicy"]["egress"][0]
    assert rule["to"][0]["podSelector"]["matchLabels"].items() <= labels.items()
    assert rule["ports"] == [{"port": port}]
    assert kinds["Service"]["spec"]["ports"][0]["port"] == port
    assert shlex.join(container["command"]).startswith("python3 -m lessonkit.hub --config")
