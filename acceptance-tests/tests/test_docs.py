"""docs/ is what `make docs` (tools/gendocs) makes of the built provider's
schema, templates/ and examples/, so the two cannot disagree; every
attribute of every schema has its place in its page; and every HCL snippet in
docs/ (and the README) is valid Terraform for this provider.

Snippets are checked with `terraform fmt -check` and `terraform validate`,
each in a directory of its own; a `terraform { required_providers }` block is
added when the snippet has none. A snippet that is not a whole configuration
says so in an HTML comment on the line just before its fence:

    <!-- snippet: with examples/resources/emreks_platform/resource.tf -->
        validated together with those files (what it refers to);
    <!-- snippet: partial (a reason) -->
        formatting and syntax only (a fragment of a configuration);
    <!-- snippet: cli-config -->
        a Terraform CLI configuration (.terraformrc), which Terraform must
        read without complaint.

The generator writes the `with` comments itself for
`{{ tffile "..." with "..." }}` and `{{ import with "..." }}`.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.terraform import REPO, Workspace

GENDOCS = REPO / "tools" / "gendocs"
DOCS = REPO / "docs"
# Hand-written pages the generator leaves alone.
HAND_WRITTEN = ("guides",)
VERSIONS_TF = 'terraform {\n  required_providers {\n    emreks = { source = "emreks/emreks" }\n  }\n}\n'

FENCE = re.compile(r"^```(?P<lang>\w*)\s*$")
MARKER = re.compile(r"^<!--\s*snippet:\s*(?P<marker>.*?)\s*-->\s*$")
HCL = {"hcl", "terraform", "tf"}


# --------------------------------------------------------------------------
# Generated pages match docs/


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    workspace = Workspace(tmp_path_factory.mktemp("schema"))
    workspace.write({"main.tf": VERSIONS_TF})
    return json.loads(workspace.run("providers", "schema", "-json").stdout)


def gendocs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENDOCS), *args], capture_output=True, text=True, timeout=300)


def test_docs_are_what_make_docs_generates(schema, tmp_path):
    saved = tmp_path / "schema.json"
    saved.write_text(json.dumps(schema))
    out = tmp_path / "docs"
    generated = gendocs("--schema", str(saved), "--out", str(out))
    assert generated.returncode == 0, generated.stderr

    def pages(root: Path) -> set[Path]:
        return {
            path.relative_to(root)
            for path in root.rglob("*.md")
            if path.relative_to(root).parts[0] not in HAND_WRITTEN
        }

    problems = []
    for relative in sorted(pages(out) | pages(DOCS)):
        want, have = out / relative, DOCS / relative
        if not have.is_file():
            problems.append(f"docs/{relative} is missing")
        elif not want.is_file():
            problems.append(f"docs/{relative} documents nothing the schema has")
        elif want.read_text() != have.read_text():
            diff = difflib.unified_diff(
                have.read_text().splitlines(), want.read_text().splitlines(),
                f"docs/{relative}", f"generated/{relative}", lineterm="", n=1,
            )
            problems.append("\n".join(list(diff)[:40]))
    assert not problems, (
        "docs/ differs from what the provider's schema, templates/ and examples/ give; "
        "edit those (not docs/) and run `make docs`:\n\n" + "\n\n".join(problems)
    )


def sections(page: str) -> dict[str, str]:
    """Text under each nested anchor, and under each `## ` heading."""
    found = {}
    for match in re.finditer(r'<a id="(?P<id>[^"]+)"></a>\n(?P<body>.*?)(?=\n<a id=|\n## |\Z)', page, re.S):
        found[match.group("id")] = match.group("body")
    for match in re.finditer(r"^## (?P<title>.+?)\n(?P<body>.*?)(?=^## |\Z)", page, re.S | re.M):
        found[match.group("title")] = match.group("body")
    return found


def expected_entries(block: dict, path: tuple[str, ...] = ()):
    """(section, name) for every attribute and block, at every depth."""
    section = "nested--" + "--".join(path) if path else None
    for name, attribute in block.get("attributes", {}).items():
        yield section, name
        if "nested_type" in attribute:
            yield from expected_entries(attribute["nested_type"], path + (name,))
    for name, nested in block.get("block_types", {}).items():
        if not path and name == "timeouts":
            for child in nested["block"].get("attributes", {}):
                yield "Timeouts", child
            continue
        yield section, name
        yield from expected_entries(nested["block"], path + (name,))


KIND_DIRECTORIES = {
    "resource_schemas": "resources",
    "data_source_schemas": "data-sources",
    "ephemeral_resource_schemas": "ephemeral-resources",
    "list_resource_schemas": "list-resources",
    "action_schemas": "actions",
    "state_store_schemas": "state-stores",
}


def check_pages(docs: Path, provider: dict) -> list[str]:
    missing = []
    surfaces = [("index.md", provider["provider"])]
    for key, directory in KIND_DIRECTORIES.items():
        for name, schema in provider.get(key, {}).items():
            surfaces.append((f"{directory}/{name.removeprefix('emreks_')}.md", schema))
    for page_name, schema in surfaces:
        page_file = docs / page_name
        if not page_file.is_file():
            missing.append(f"{page_name}: no page")
            continue
        page = page_file.read_text()
        found = sections(page)
        for section, name in expected_entries(schema["block"]):
            where = page if section is None else found.get(section, "")
            if f"- `{name}` (" not in where:
                missing.append(f"{page_name}: `{name}` not under {section or 'the page'}")
    for name, signature in provider.get("functions", {}).items():
        page = (docs / "functions" / f"{name}.md").read_text()
        for parameter in signature.get("parameters", []):
            if f"`{parameter['name']}`" not in page:
                missing.append(f"functions/{name}.md: parameter `{parameter['name']}`")
    return missing


def test_every_attribute_of_every_schema_is_in_its_page(schema):
    (provider,) = schema["provider_schemas"].values()
    assert check_pages(DOCS, provider) == []


# --------------------------------------------------------------------------
# Every schema kind Terraform reports gets its pages


def attribute(kind: str, description: str, type_="string", **extra) -> dict:
    return {"type": type_, "description": description, "description_kind": "markdown", kind: True, **extra}


EVERY_KIND = {
    "format_version": "1.0",
    "provider_schemas": {
        "registry.terraform.io/emreks/emreks": {
            "provider": {"version": 0, "block": {"attributes": {"region": attribute("optional", "Region.")}}},
            "resource_schemas": {
                "emreks_widget": {"version": 1, "block": {
                    "description": "A widget.",
                    "attributes": {
                        "id": attribute("computed", "Id."),
                        "name": attribute("required", "Name."),
                        "secret": attribute("optional", "Secret.", sensitive=True),
                        "parts": {"nested_type": {"nesting_mode": "set", "attributes": {
                            "size": attribute("required", "Size.", "number"),
                            "shape": attribute("computed", "Shape."),
                        }}, "description": "Parts.", "optional": True},
                    },
                    "block_types": {
                        "rule": {"nesting_mode": "list", "min_items": 1, "block": {
                            "description": "A rule.",
                            "attributes": {"match": attribute("required", "Match.")},
                            "block_types": {"then": {"nesting_mode": "single", "block": {
                                "attributes": {"action": attribute("optional", "Action.")}}}},
                        }},
                        "timeouts": {"nesting_mode": "single", "block": {
                            "description": "Timeouts.",
                            "attributes": {"create": attribute("optional", "Create (default `5m`).")}}},
                    },
                }},
            },
            "data_source_schemas": {"emreks_widget": {"version": 0, "block": {
                "description": "Reads a widget.",
                "attributes": {"name": attribute("required", "Name."), "size": attribute("computed", "Size.", "number")}}}},
            "ephemeral_resource_schemas": {"emreks_token": {"version": 0, "block": {
                "description": "A short-lived token.",
                "attributes": {"cluster": attribute("required", "Cluster."),
                               "token": attribute("computed", "Token.", sensitive=True)}}}},
            "list_resource_schemas": {"emreks_widget": {"version": 0, "block": {
                "description": "Lists widgets.",
                "attributes": {"prefix": attribute("optional", "Name prefix.")}}}},
            "action_schemas": {"emreks_poke": {"block": {
                "description": "Pokes a widget.",
                "attributes": {"widget": attribute("required", "Widget.")}}, "unlinked": {}}},
            "functions": {"parse_widget": {
                "description": "Parses a widget id.", "return_type": ["object", {"name": "string"}],
                "parameters": [{"name": "id", "type": "string", "description": "The id."}]}},
            "state_store_schemas": {"emreks_bucket": {"version": 0, "block": {
                "description": "State in a bucket.",
                "attributes": {"bucket": attribute("required", "Bucket.")}}}},
            "resource_identity_schemas": {"emreks_widget": {"version": 0, "attributes": {
                "name": {"type": "string", "description": "Name.", "required_for_import": True}}}},
        }
    },
}


def test_gendocs_makes_pages_of_every_schema_kind(tmp_path):
    root = tmp_path / "root"
    (root / "templates" / "data-sources").mkdir(parents=True)
    (root / "examples" / "data-sources" / "emreks_widget").mkdir(parents=True)
    (root / "examples" / "data-sources" / "emreks_widget" / "data-source.tf").write_text(
        'data "emreks_widget" "w" {\n  name = "a"\n}\n'
    )
    # A template with each directive: front matter, tffile, schema.
    (root / "templates" / "data-sources" / "widget.md.tmpl").write_text(
        "---\nsubcategory: \"Widgets\"\ndescription: |-\n  Reads one widget.\n---\n\nHand-written prose.\n\n"
        "## Example Usage\n\n{{ tffile \"examples/data-sources/emreks_widget/data-source.tf\" }}\n\n{{ schema }}\n"
    )
    saved = tmp_path / "schema.json"
    saved.write_text(json.dumps(EVERY_KIND))
    out = tmp_path / "docs"
    generated = gendocs("--schema", str(saved), "--out", str(out), "--root", str(root))
    assert generated.returncode == 0, generated.stderr

    pages = sorted(str(p.relative_to(out)) for p in out.rglob("*.md"))
    assert pages == [
        "actions/poke.md", "data-sources/widget.md", "ephemeral-resources/token.md", "functions/parse_widget.md",
        "index.md", "list-resources/widget.md", "resources/widget.md", "state-stores/bucket.md",
    ]
    (provider,) = EVERY_KIND["provider_schemas"].values()
    assert check_pages(out, provider) == []

    widget = (out / "resources" / "widget.md").read_text()
    assert 'page_title: "emreks_widget Resource - emreks"' in widget
    assert "- `rule` (Required, Block List, at least 1)" in widget
    assert "- `secret` (Optional, String, Sensitive)" in widget
    assert "## Timeouts" in widget and "## Resource Identity" in widget
    assert '<a id="nested--rule--then"></a>' in widget
    data_source = (out / "data-sources" / "widget.md").read_text()
    assert 'subcategory: "Widgets"' in data_source and "Hand-written prose." in data_source
    assert '```terraform\ndata "emreks_widget" "w" {' in data_source
    assert "# emreks_token (Ephemeral Resource)" in (out / "ephemeral-resources" / "token.md").read_text()
    assert "provider::emreks::parse_widget(id string) object({name = string})" in (
        out / "functions" / "parse_widget.md"
    ).read_text()
    index = (out / "index.md").read_text()
    assert "[`emreks_poke`](actions/poke.md)" in index

    # A schema kind the generator does not know is an error, not a silent gap.
    unknown = json.loads(json.dumps(EVERY_KIND))
    unknown["provider_schemas"]["registry.terraform.io/emreks/emreks"]["widget_schemas"] = {}
    saved.write_text(json.dumps(unknown))
    refused = gendocs("--schema", str(saved), "--out", str(tmp_path / "other"), "--root", str(root))
    assert refused.returncode == 1 and "widget_schemas" in refused.stderr


# --------------------------------------------------------------------------
# Every HCL snippet validates


def snippets() -> list[tuple[str, int, str | None, str]]:
    """(file, line, marker, text) of each HCL block in docs/ and the README."""
    found = []
    for path in sorted(DOCS.rglob("*.md")) + [REPO / "README.md"]:
        lines = path.read_text().split("\n")
        index = 0
        while index < len(lines):
            fence = FENCE.match(lines[index])
            if not fence:
                index += 1
                continue
            start = index
            end = start + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            if fence.group("lang") in HCL:
                previous = MARKER.match(lines[start - 1]) if start else None
                found.append((
                    str(path.relative_to(REPO)), start + 1,
                    previous.group("marker") if previous else None,
                    "\n".join(lines[start + 1:end]) + "\n",
                ))
            index = end + 1
    return found


SNIPPETS = snippets()
HOW_TO_MARK = (
    "If it is deliberately not a whole configuration, say so on the line before its fence: "
    "`<!-- snippet: with examples/....tf -->` (validated next to those files) or "
    "`<!-- snippet: partial (why) -->` (formatting and syntax only) or "
    "`<!-- snippet: cli-config -->` (a CLI configuration) or "
    "`<!-- snippet: query -->` (a .tfquery.hcl file); "
    "see acceptance-tests/tests/test_docs.py."
)


def test_docs_have_snippets():
    files = {file for file, *_ in SNIPPETS}
    assert {"docs/index.md", "docs/resources/platform.md", "docs/resources/nodegroup.md"} <= files


@pytest.mark.parametrize("file,line,marker,text", SNIPPETS, ids=[f"{f}:{l}" for f, l, *_ in SNIPPETS])
def test_snippet_is_valid_terraform(file, line, marker, text, tmp_path):
    workspace = Workspace(tmp_path / "snippet")
    where = f"{file} line {line}"
    if marker == "cli-config":
        config = tmp_path / "snippet.tfrc"
        config.write_text(text)
        read = workspace.run("version", "-no-color", env={"TF_CLI_CONFIG_FILE": str(config)}, check=False)
        assert read.code == 0 and "problems with the CLI configuration" not in read.output, f"{where}:\n{read.output}"
        return
    # A `list` block lives in a .tfquery.hcl file, validated with -query.
    query = marker == "query"
    snippet = "snippet.tfquery.hcl" if query else "snippet.tf"
    workspace.write({snippet: text})

    formatted = workspace.run("fmt", "-check", "-diff", "-no-color", snippet, check=False)
    assert formatted.code == 0, f"{where}: not as `terraform fmt` writes it:\n{formatted.output}"
    if marker is not None and (marker == "partial" or marker.startswith("partial ")):
        return
    if marker is not None and not query:
        words = marker.split()
        assert words[0] == "with" and len(words) > 1, f"{where}: unknown snippet marker {marker!r}. {HOW_TO_MARK}"
        for number, context in enumerate(words[1:]):
            source = REPO / context
            assert source.is_file(), f"{where}: the marker names {context}, which does not exist"
            shutil.copy(source, workspace.directory / f"context_{number}.tf")
    texts = [p.read_text() for p in workspace.directory.glob("*.tf")]
    if not any(re.search(r"^terraform\s*\{", t, re.M) for t in texts):
        workspace.write({"versions.tf": VERSIONS_TF})

    result = workspace.run("validate", "-no-color", *(["-query"] if query else []), check=False)
    assert result.code == 0 and "Success! The configuration is valid" in result.output, (
        f"{where}: terraform validate fails.\n{result.output}\n{HOW_TO_MARK}"
    )
