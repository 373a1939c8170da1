"""The site's settings as the check needs them, read from `mkdocs.yml` without MkDocs.

The command-line check must render Markdown exactly as the site does, so it
reads the same `markdown_extensions` (plus MkDocs' built-in defaults) and our
plugin's options. Tags such as `!!python/name:` that only MkDocs can resolve
are read as nothing: they configure the theme, not the parsing of claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evidence_kb.engine.findings import CheckError
from evidence_kb.engine.options import Options, OptionsError, combine

PLUGIN_NAME = "evidence-kb"
# How mkdocs.yml may name our Markdown extension (entry point, module).
EXTENSION_NAMES = ("evidence_kb", "evidence_kb.engine.render.extension")
# MkDocs always adds these (mkdocs.config.defaults: markdown_extensions builtins).
MKDOCS_BUILTIN_EXTENSIONS = ["toc", "tables", "fenced_code"]


@dataclass
class SiteConfig:
    root: Path
    docs_dir: Path
    options: Options
    extensions: list[Any] = field(default_factory=list)
    extension_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # MkDocs' `use_directory_urls`: whether `a.md` is published as `a/`.
    use_directory_urls: bool = True
    # Resolved paths: a build asks about each page several times, and
    # resolving is a system call per path component.
    _resolved: dict[Path, Path] = field(default_factory=dict, repr=False, compare=False)

    @property
    def bibliography_path(self) -> Path:
        return self.root / self.options.bibliography

    def resolve(self, path: Path) -> Path:
        resolved = self._resolved.get(path)
        if resolved is None:
            resolved = self._resolved[path] = path.resolve()
        return resolved

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project, with `/`."""
        try:
            return self.resolve(path).relative_to(self.resolve(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def is_article(self, path: Path) -> bool:
        """Articles are the Markdown pages under `docs/<articles_dir>/`."""
        try:
            rel = self.resolve(path).relative_to(self.resolve(self.docs_dir))
        except ValueError:
            return False
        return rel.parts[:1] == (self.options.articles_dir,) and path.suffix == ".md"

    def articles(self) -> list[Path]:
        return sorted((self.docs_dir / self.options.articles_dir).rglob("*.md"))


def is_our_extension(item: Any) -> bool:
    """An entry of `markdown_extensions` that is our extension (by name; an instance is the host's)."""
    return isinstance(item, str) and item.partition(":")[0] in EXTENSION_NAMES


class _TolerantLoader(yaml.SafeLoader):
    pass


def _ignore_tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> None:
    return None


_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)
_TolerantLoader.add_multi_constructor("!", _ignore_tag)


def load_site_config(config_file: Path) -> SiteConfig:
    """Read `mkdocs.yml`; problems are :class:`CheckError` (exit status 2)."""
    try:
        raw = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_TolerantLoader) or {}
    except OSError as error:
        raise CheckError(f"{config_file}: cannot read the site configuration: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise CheckError(f"{config_file}: invalid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise CheckError(f"{config_file}: the site configuration must be a mapping")
    root = config_file.parent
    extensions: list[Any] = list(MKDOCS_BUILTIN_EXTENSIONS)
    configs: dict[str, dict[str, Any]] = {}
    ours: dict[str, Any] | None = None
    for item in raw.get("markdown_extensions") or []:
        if isinstance(item, str):
            name, options = item, dict[str, Any]()
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
        else:
            raise CheckError(f"{config_file}: markdown_extensions: cannot read {item!r}")
        if is_our_extension(name):
            # Rendered by the check itself; its options are ours.
            ours = dict(options or {})
            continue
        if name not in extensions:
            extensions.append(name)
        # Options MkDocs would resolve from a python tag are left to defaults.
        configs[name] = {k: v for k, v in (options or {}).items() if v is not None}
    return SiteConfig(
        root=root,
        docs_dir=root / raw.get("docs_dir", "docs"),
        options=_options(raw.get("plugins") or [], ours, config_file),
        extensions=extensions,
        extension_configs=configs,
        use_directory_urls=raw.get("use_directory_urls", True) is not False,
    )


def _options(plugins: Any, extension: dict[str, Any] | None, config_file: Path) -> Options:
    """Our options, from the plugin's entry and the extension's (engine/options.py: combine)."""
    entries = plugins.items() if isinstance(plugins, dict) else (
        (next(iter(p)), next(iter(p.values()))) if isinstance(p, dict) else (p, {}) for p in plugins
    )
    plugin = next((options or {} for name, options in entries if name == PLUGIN_NAME), None)
    try:
        return combine(plugin, extension, f"{config_file}: plugin {PLUGIN_NAME}",
                       f"{config_file}: markdown_extensions: evidence_kb")
    except OptionsError as error:
        raise CheckError(str(error)) from None
