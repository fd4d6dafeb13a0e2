"""Faster equivalents of cfn-lint's hottest internals, for the tested cfn-lint only.

Linting the catalog spends nearly all its time in cfn-lint's JSON-schema walk,
and most of that in bookkeeping rather than in checks: every step down a
template "evolves" an immutable validator, context and path by listing the
dataclass fields and re-running `__init__`; every keyword extension builds a
brand-new validator class (and a throw-away validator); the `cfnLint` keyword scans all ~100 child rules for
each keyword; every `$ref` searches the whole resource schema for ids; every
rule is called for every resource although most return at once; sympy retries
importing an absent SAT solver on each condition check; and
`regex.search(pattern, ...)` looks patterns up in a cache too small for the
schemas' patterns. Each replacement below does the same work with less of that
overhead and returns the same values, in the same order; none changes what is
checked.

They are applied only when the installed cfn-lint is the version they were
verified against (`VERIFIED_CFNLINT`, the one in constraints.txt): a test lints
the whole catalog and a corpus of broken templates with and without them and
requires identical findings. With any other cfn-lint, or with
CFN_CATALOG_LINT_SPEEDUPS=0, cfn-lint runs unmodified (correct, only slower).
Raising the pin means re-running that test and then raising VERIFIED_CFNLINT.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any

VERIFIED_CFNLINT = "1.58.0"
SWITCH_ENV = "CFN_CATALOG_LINT_SPEEDUPS"

_applied = False


def wanted(version: str) -> bool:
    return version == VERIFIED_CFNLINT and os.environ.get(SWITCH_ENV, "1") != "0"


def status(version: str) -> str:
    """Whether the speedups are used with this cfn-lint, and why not (for `lint --verbose`)."""
    if os.environ.get(SWITCH_ENV, "1") == "0":
        return f"cfn-lint {version}, speedups off ({SWITCH_ENV}=0)"
    if version != VERIFIED_CFNLINT:
        return f"cfn-lint {version}, speedups off (verified for cfn-lint {VERIFIED_CFNLINT} only)"
    return f"cfn-lint {version}, speedups on"


def apply(rules: Any) -> None:
    """Install the speedups (once per process) for this loaded rule collection."""
    global _applied
    if _applied:
        return
    from cfnlint.context import context
    from cfnlint.jsonschema import _filter, validators

    _memoize_validator_classes(validators)
    context.Context.evolve = _context_evolve(context.Context)
    context.Path.descend = _path_descend(context.Path)
    _filter.FunctionFilter.evolve = _field_copy_evolve(_filter.FunctionFilter)
    _memoize_regex_patterns()
    _settle_absent_optional_modules()
    _index_schema_ids()
    _build_extended_validators_once()
    _index_cfn_lint_keywords(rules)
    _run_rules_without_idle_checks(rules)
    _applied = True


def _field_copy_evolve(cls: type):
    """`evolve(**changes)` for a dataclass: a copy with some fields replaced.

    cfn-lint's versions call `dataclasses.fields()` and then `__init__` on
    every call; this copies the fields straight into a new instance (frozen
    classes included) and runs `__post_init__` as `__init__` would. Fields
    that `__init__` does not take are copied too: the replaced code got them
    from default factories that return the same shared objects.
    """
    names = frozenset(f.name for f in dataclasses.fields(cls))
    init_names = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
    post_init = hasattr(cls, "__post_init__")

    def evolve(self, **changes):
        if not init_names.issuperset(changes):  # cfn-lint's __init__ would raise TypeError too
            raise TypeError(f"{type(self).__name__}.evolve() got fields it does not take: {sorted(changes)}")
        new = object.__new__(type(self))
        fields_of_new = new.__dict__
        fields_of_new.update(self.__dict__, **changes)
        if len(fields_of_new) != len(names):  # values cached from the old fields (cached_property)
            for name in [name for name in fields_of_new if name not in names]:
                del fields_of_new[name]
        if post_init:
            new.__post_init__()
        return new

    return evolve


def _context_evolve(cls: type):
    plain = _field_copy_evolve(cls)

    def evolve(self, **changes):
        if "ref_values" in changes:  # merged into the current values, as cfn-lint does
            merged = self.ref_values.copy()
            merged.update(changes["ref_values"])
            changes["ref_values"] = merged
        return plain(self, **changes)

    return evolve


def _path_descend(cls: type):
    from cfnlint.helpers import FUNCTIONS

    names = tuple(f.name for f in dataclasses.fields(cls))

    def descend(self, **steps):
        cfn_path = steps.get("cfn_path")
        if cfn_path in FUNCTIONS:
            raise ValueError(f"{cfn_path!r} cannot be in 'cfn_path'")
        if isinstance(cfn_path, int):
            raise ValueError(f"{cfn_path!r} cannot be an integer")
        new = object.__new__(type(self))
        fields_of_new = new.__dict__
        source = self.__dict__
        for name in names:
            step = steps.get(name)
            if step is None:
                fields_of_new[name] = source[name]
            else:
                extended = source[name].copy()
                extended.append(step)
                fields_of_new[name] = extended
        return new

    return descend


def _memoize_validator_classes(validators) -> None:
    """One validator class per distinct (keywords, filter, resolvers) set.

    cfn-lint's `create()` defines a new dataclass on every call (about 2,000
    per catalog lint, each compiled with exec); the classes differ only in the
    functions their defaults capture, which make up the key here.
    """
    original = validators.create
    classes: dict[tuple, type] = {}

    def create(validators=None, function_filter=None, fn_resolvers=None):
        filter_key = (
            None
            if function_filter is None
            else (
                type(function_filter),
                function_filter.add_cfn_lint_keyword,
                function_filter.validate_dynamic_references,
                tuple(function_filter.group_functions),
            )
        )
        key = (tuple((validators or {}).items()), filter_key, tuple((fn_resolvers or {}).items()))
        cls = classes.get(key)
        if cls is None:
            cls = original(validators=validators, function_filter=function_filter, fn_resolvers=fn_resolvers)
            cls.evolve = _field_copy_evolve(cls)
            classes[key] = cls
        return cls

    validators.create = create


def _memoize_regex_patterns() -> None:
    """`regex.search/match/fullmatch/findall(pattern, string)` with compiled patterns kept.

    cfn-lint calls these module functions with schema patterns thousands of
    times per template; `regex`'s own cache holds fewer patterns than the
    schemas use, so they were being recompiled. Calls with extra arguments go
    to `regex` unchanged; an already compiled pattern is used as is (what
    `regex` does with one). Unlike regex's own cache, this one does not watch
    regex.DEFAULT_VERSION or the locale: neither changes while cfn-lint runs.
    """
    import regex

    compiled: dict[tuple[Any, int], Any] = {}
    compiled_type = type(regex.compile(""))

    def memoized(name: str):
        original = getattr(regex, name)

        def call(pattern, string, flags=0, *args, **kwargs):
            if args or kwargs:
                return original(pattern, string, flags, *args, **kwargs)
            if type(pattern) is compiled_type and not flags:  # regex would return it unchanged
                return getattr(pattern, name)(string)
            if not isinstance(pattern, str):
                return original(pattern, string, flags)
            key = (pattern, flags)
            program = compiled.get(key)
            if program is None:
                program = compiled[key] = regex.compile(pattern, flags)
            return getattr(program, name)(string)

        call.__wrapped__ = original
        return call

    for name in ("search", "match", "fullmatch", "findall"):
        setattr(regex, name, memoized(name))


def _index_cfn_lint_keywords(rules: Any) -> None:
    """E1101's `cfnLint` keyword: child rules looked up by keyword, not scanned.

    The rule classes are loaded by cfn-lint from files (not importable by
    name), so the class is reached through the loaded rule collection. The
    index is dropped at the start of every template's run (see `_run_rules`)
    and rebuilt on first use, after the run has linked the child rules.
    """
    from cfnlint.jsonschema._utils import Unset

    rule = rules.data.get("E1101")
    if rule is None:
        return
    rule_class = type(rule)

    def cfnLint(self, validator, keywords, instance, schema):
        validator = validator.evolve(function_filter=_without_cfn_lint_keyword(validator.function_filter))
        index = self.__dict__.get("_catalog_keyword_index")
        if index is None:
            index = {}
            for child in self.child_rules.values():
                if child is None or not child.id:
                    continue
                for keyword in child.keywords:
                    index.setdefault(keyword, []).append(child)
            self._catalog_keyword_index = index
        for keyword in keywords:
            for child in index.get(keyword, ()):
                for err in child.validate(validator, keyword, instance, schema):
                    if err.rule is None and isinstance(err.validator, Unset):
                        err.rule = child
                    yield err

    rule_class.cfnLint = cfnLint


def _without_cfn_lint_keyword(function_filter):
    """The filter's copy with add_cfn_lint_keyword=False, made once per filter.

    Filters are never modified after creation, and cfn-lint already shares one
    filter among many validators.
    """
    if not function_filter.add_cfn_lint_keyword:
        return function_filter
    copy = function_filter.__dict__.get("_catalog_without_cfn_lint_keyword")
    if copy is None:
        copy = function_filter.evolve(add_cfn_lint_keyword=False)
        function_filter.__dict__["_catalog_without_cfn_lint_keyword"] = copy
    return copy


def _build_extended_validators_once() -> None:
    """`BaseJsonSchema.extend_validator` without the validator it throws away.

    cfn-lint builds the extended validator from the schema alone, which makes
    it create an empty Template, a context and a resolver, then replaces all
    three with `evolve`. Passing them to the constructor gives the same
    validator (the class's other fields come from the same defaults).
    """
    from cfnlint.rules.jsonschema import Base
    from cfnlint.schema.resolver import RefResolver

    def extend_validator(self, validator, schema, context, validators=None):
        all_validators = self._get_validators()
        if validators:
            all_validators.update(validators)
        return validator.extend(validators=all_validators)(
            schema=schema, cfn=validator.cfn, context=context, resolver=RefResolver.from_schema(schema)
        )

    Base.BaseJsonSchema.extend_validator = extend_validator


def _settle_absent_optional_modules() -> None:
    """Record that sympy's optional SAT solver is not installed.

    cfn-lint checks conditions with `sympy.satisfiable`, which tries
    `import pycosat` on every call (some 900 per catalog lint), each failed
    import searching every sys.path entry. A `None` in sys.modules makes the
    import fail the same way at once. Left alone when pycosat is installed.
    """
    import importlib.util
    import sys

    if "pycosat" not in sys.modules and importlib.util.find_spec("pycosat") is None:
        sys.modules["pycosat"] = None


def _index_schema_ids() -> None:
    """`$ref` fragments resolved without rescanning the whole schema each time.

    To resolve `#/definitions/X`, cfn-lint's resolver first searches the entire
    schema document for an `id`/`$id` equal to the fragment, breadth-first, on
    every resolution (its result cache belongs to one resolver, and a new
    resolver is made for almost every step). The subschemas carrying those keys
    are listed once per document here, in the same search order; schema
    documents are loaded once and never modified.
    """
    from collections.abc import Sequence
    from urllib.parse import unquote

    from cfnlint.schema.resolver import _resolver
    from cfnlint.schema.resolver._exceptions import RefResolutionError

    original = _resolver.RefResolver.resolve_fragment
    listed: dict[int, tuple[Any, dict[str, list]]] = {}

    def subschemas_with_ids(document) -> dict[str, list]:
        entry = listed.get(id(document))
        if entry is None or entry[0] is not document:
            found = {
                keyword: list(_resolver._search_schema(document, _resolver._match_keyword(keyword)))
                for keyword in ("id", "$id")
            }
            entry = listed[id(document)] = (document, found)  # holding the document keeps its id unique
        return entry[1]

    def resolve_fragment(self, document, fragment):
        fragment = fragment.lstrip("/")
        if not fragment or not isinstance(document, dict):
            return original(self, document, fragment)
        for keyword, subschemas in subschemas_with_ids(document).items():
            for subschema in subschemas:
                if "#" + fragment == subschema[keyword]:
                    return subschema
        # Otherwise a JSON pointer (RFC 6901), walked as cfn-lint walks it.
        for part in unquote(fragment).split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(document, Sequence):
                with contextlib.suppress(ValueError):
                    part = int(part)
            try:
                document = document[part]
            except (TypeError, LookupError) as e:
                raise RefResolutionError(f"Unresolvable JSON pointer: {fragment!r}") from e
        return document

    _resolver.RefResolver.resolve_fragment = resolve_fragment


def _run_rules_without_idle_checks(rules: Any) -> None:
    """`Rules.run` with the same checks, minus two costs that find nothing.

    cfn-lint links child rules to parents with a linear scan of all rule ids
    per link (a dict lookup here), and calls every rule's
    `matchall_resource_properties` for every resource, although the base
    implementation returns at once unless the resource type is one the rule
    registered in `resource_property_types`; those calls are skipped here.
    Rules that override the method are always called. Matches come out in
    the same order.
    """
    from cfnlint.rules import CloudFormationLintRule

    base_method = CloudFormationLintRule.matchall_resource_properties

    def run(self, filename, cfn, config):
        enabled = set()
        for rule_id, rule in self.data.items():
            rule.__dict__.pop("_catalog_keyword_index", None)
            rule.configure(config.configure_rules.get(rule_id, None), config.include_experimental)
            rule.initialize(cfn)
            if self.is_rule_enabled(rule_id, config):
                enabled.add(rule_id)
        for rule_id, rule in self.data.items():
            for key in rule.child_rules:
                if key in self.data:
                    rule.child_rules[key] = self.data[key]
            for parent_id in rule.parent_rules:
                if parent_id in self.data:
                    self.data[parent_id].child_rules[rule_id] = rule
        for rule_id, rule in self.data.items():
            yield from self._filter_matches(
                enabled, self.run_check(rule.matchall, filename, rule_id, config, enabled, filename, cfn)
            )
        for name, resource in cfn.get_resources().items():
            resource_type = resource.get("Type")
            properties = resource.get("Properties")
            if not (isinstance(resource_type, str) and isinstance(properties, dict)):
                continue
            path = ["Resources", name, "Properties"]
            for rule_id, rule in self.data.items():
                method = type(rule).matchall_resource_properties
                if method is base_method and resource_type not in rule.resource_property_types:
                    continue
                yield from self._filter_matches(
                    enabled,
                    self.run_check(
                        rule.matchall_resource_properties,
                        filename,
                        rule_id,
                        config,
                        enabled,
                        filename,
                        cfn,
                        properties,
                        resource_type,
                        path,
                    ),
                )

    type(rules).run = run
