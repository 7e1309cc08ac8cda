#!/usr/bin/env python3
"""Checks the Home Assistant add-on files the way the Supervisor reads them, without a Supervisor.

  check_addon.py SOURCE_DIR [OPTIONS.json ...]

SOURCE_DIR is the project root (repository.yaml there, the add-on in ha-addon/dlms2mqtt). Checks:
the fields the Supervisor requires in config.yaml and build.yaml, the live page served through
ingress only (a sidebar panel, no port published on the host), every schema element against the
Supervisor's option grammar, the default options against the schema, each OPTIONS.json given (the
options the entry-point test feeds it) against the schema, and a translation in en and da for every
option. Prints one line per problem and exits 1 when there is any.
"""
import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("skipped: python3 has no yaml module (Debian package python3-yaml, scripts/deps.sh)")
    sys.exit(77)  # CTest's SKIP_RETURN_CODE

ARCHES = {"armhf", "armv7", "aarch64", "amd64", "i386"}
STARTUPS = {"initialize", "system", "services", "application", "once"}
# The option types the Supervisor accepts; a trailing '?' makes the option optional.
ELEMENT = re.compile(
    r"^(?P<type>bool|email|url|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>\d+)?,(?P<i_max>\d+)?\))?"
    r"|float(?:\((?P<f_min>[\d.]+)?,(?P<f_max>[\d.]+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\))(?P<optional>\?)?$"
)

problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problem(path, f"cannot read: {e}")
        return None


def check_value(where, element, value):
    """One option value against one schema element, as the Supervisor validates it."""
    m = ELEMENT.match(element)
    if not m:
        problem(where, f"schema type {element!r} is not one the Supervisor knows")
        return
    kind = m.group("type").split("(")[0]
    if value is None:
        problem(where, "is null: the Supervisor refuses to start until it is set")
        return
    if kind in ("str", "password"):
        # The Supervisor compares the value with its own text: a number is not a string.
        if not isinstance(value, str):
            problem(where, f"{value!r} is not a string")
    elif kind == "bool":
        if not isinstance(value, bool):
            problem(where, f"{value!r} is not true or false")
    elif kind in ("int", "port"):
        if isinstance(value, bool) or not isinstance(value, int):
            problem(where, f"{value!r} is not an integer")
        elif kind == "port" and not 1 <= value <= 65535:
            problem(where, f"{value} is not a port number (1-65535)")
        elif kind == "int":
            lo, hi = m.group("i_min"), m.group("i_max")
            if (lo and value < int(lo)) or (hi and value > int(hi)):
                problem(where, f"{value} is outside {element}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problem(where, f"{value!r} is not a number")
    elif kind == "match":
        # match() and list() are checked on the value's text, as the Supervisor does.
        if not re.match(m.group("match"), str(value)):
            problem(where, f"{str(value)!r} does not match {m.group('match')}")
    elif kind == "list":
        if str(value) not in m.group("list").split("|"):
            problem(where, f"{str(value)!r} is not one of {m.group('list')}")
    elif kind == "device":
        # The Supervisor also checks the device exists on the host; only a real one can.
        if not isinstance(value, str) or not value.startswith("/dev/"):
            problem(where, f"{value!r} is not a device path under /dev")
    elif kind in ("email", "url"):
        if not isinstance(value, str) or not value:
            problem(where, f"{value!r} is not an {kind}")


def check_options(where, schema, options):
    if not isinstance(options, dict):
        problem(where, "options are not a mapping")
        return
    for key, value in options.items():
        if key not in schema:
            problem(f"{where}: {key}", "is not in the schema (the Supervisor drops it with a warning)")
        else:
            check_value(f"{where}: {key}", schema[key], value)
    for key, element in schema.items():
        if key not in options and not str(element).endswith("?"):
            problem(f"{where}: {key}", "is required by the schema but missing")


def check_config(addon_dir, config, version):
    where = os.path.join(addon_dir, "config.yaml")
    for field in ("name", "version", "slug", "description", "arch"):
        if field not in config:
            problem(where, f"{field} is missing; the Supervisor requires it")
    if not re.fullmatch(r"[-_.A-Za-z0-9]+", str(config.get("slug", ""))):
        problem(where, "slug must be letters, digits, '-', '_' or '.'")
    if str(config.get("version")) != version:
        problem(where, f"version {config.get('version')!r} is not the project's {version}")
    arch = config.get("arch") or []
    for a in arch:
        if a not in ARCHES:
            problem(where, f"arch {a!r} is not one of {sorted(ARCHES)}")
    for a in ("aarch64", "amd64"):
        if a not in arch:
            problem(where, f"arch lacks {a}")
    if config.get("startup", "application") not in STARTUPS:
        problem(where, f"startup {config.get('startup')!r} is not one of {sorted(STARTUPS)}")
    if config.get("boot", "auto") not in ("auto", "manual"):
        problem(where, "boot must be auto or manual")
    if config.get("uart") is not True:
        problem(where, "uart must be true so the host's serial ports are mapped in")
    services = config.get("services") or []
    for s in services:
        if not re.fullmatch(r"(mqtt|mysql):(provide|want|need)", str(s)):
            problem(where, f"service {s!r} is not SERVICE:provide|want|need")
    if "mqtt:need" not in services:
        problem(where, "services lacks mqtt:need")
    for m in config.get("map") or []:
        if not re.fullmatch(r"(config|homeassistant_config|addon_config|ssl|addons|backup|share|media)(:(rw|ro))?", str(m)):
            problem(where, f"map entry {m!r} is not one the Supervisor knows")
    check_ingress(where, config)
    schema = config.get("schema")
    if not isinstance(schema, dict) or not schema:
        problem(where, "schema is missing")
        return {}
    for key, element in schema.items():
        if not isinstance(element, str) or not ELEMENT.match(element):
            problem(f"{where}: schema.{key}", f"{element!r} is not a Supervisor option type")
    check_options(f"{where}: options", schema, config.get("options") or {})
    return schema


def check_ingress(where, config):
    """The live page: through Home Assistant's ingress proxy, which authenticates the user, and no
    other way (no port of the host mapped to it)."""
    if config.get("ingress") is not True:
        problem(where, "ingress must be true: the live page is served through Home Assistant")
    port = config.get("ingress_port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problem(where, f"ingress_port {port!r} is not a port number (1-65535)")
    if config.get("ports") or config.get("webui"):
        problem(where, "ports/webui publish the page on the host, outside Home Assistant's authentication: use ingress only")
    if not re.fullmatch(r"mdi:[a-z0-9-]+", str(config.get("panel_icon", ""))):
        problem(where, f"panel_icon {config.get('panel_icon')!r} is not an mdi: icon")
    if not isinstance(config.get("panel_title"), str) or not config.get("panel_title"):
        problem(where, "panel_title is missing: the sidebar entry's name")


def check_build(addon_dir, config):
    where = os.path.join(addon_dir, "build.yaml")
    build = load_yaml(where) or {}
    base = build.get("build_from") or {}
    for a in config.get("arch") or []:
        image = base.get(a)
        if not image:
            problem(where, f"build_from has no image for {a}")
        elif not str(image).endswith(":" + str(config.get("version"))):
            problem(where, f"build_from.{a} {image!r} is not tagged with the add-on's version")
    dockerfile = os.path.join(addon_dir, "Dockerfile")
    try:
        with open(dockerfile, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        problem(dockerfile, "is missing; the Supervisor builds the add-on from it")
        return
    if "FROM ${BUILD_FROM" not in text:
        problem(dockerfile, "does not build FROM ${BUILD_FROM}, the image build.yaml names")
    for default in re.findall(r"\$\{BUILD_FROM:-([^}]+)\}", text):
        if default not in base.values():
            problem(dockerfile, f"default base {default} is not build.yaml's")


def check_translations(addon_dir, schema):
    for lang in ("en", "da"):
        where = os.path.join(addon_dir, "translations", f"{lang}.yaml")
        entries = ((load_yaml(where) or {}).get("configuration")) or {}
        for key in schema:
            entry = entries.get(key) or {}
            if not entry.get("name") or not entry.get("description"):
                problem(where, f"{key} has no name and description")
        for key in entries:
            if key not in schema:
                problem(where, f"{key} is not an option of the add-on")


def addon_configs(source):
    """The add-on files the Supervisor finds in a repository: config.{json,yaml,yml} anywhere,
    outside folders starting with '.' and rootfs (here also outside build trees)."""
    found = []
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "rootfs" and not d.startswith("build")]
        found += [os.path.relpath(os.path.join(root, f), source) for f in files
                  if re.fullmatch(r"config\.(json|yaml|yml)", f)]
    return sorted(found)


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    source = sys.argv[1]
    addon_dir = os.path.join(source, "ha-addon", "dlms2mqtt")
    repository = load_yaml(os.path.join(source, "repository.yaml")) or {}
    if not repository.get("name"):
        problem("repository.yaml", "name is missing; the Supervisor needs it at the repository's root")
    configs = addon_configs(source)
    if configs != ["ha-addon/dlms2mqtt/config.yaml"]:
        problem(source, f"the Supervisor would read these as add-ons: {configs}")
    with open(os.path.join(source, "CMakeLists.txt"), encoding="utf-8") as f:
        version = re.search(r"project\(dlms2mqtt VERSION ([0-9.]+)", f.read()).group(1)
    config = load_yaml(os.path.join(addon_dir, "config.yaml")) or {}
    schema = check_config(addon_dir, config, version)
    check_build(addon_dir, config)
    check_translations(addon_dir, schema)
    if not os.path.isfile(os.path.join(addon_dir, "DOCS.md")):
        problem(addon_dir, "DOCS.md is missing (the add-on's Documentation tab)")
    for path in sys.argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                check_options(path, schema, json.load(f))
        except (OSError, ValueError) as e:
            problem(path, f"cannot read: {e}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
