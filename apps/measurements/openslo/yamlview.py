"""YAML nodes that remember where they are: reading a mapping with type checks that report
"line 12: spec.objectives[0].target: must be a number" instead of failing on the first mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml

RFC1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# OpenSLO documents are a few levels deep; the bound keeps the recursive composer far from
# Python's recursion limit whatever the input.
MAX_DEPTH = 32


class BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases and nesting deeper than ``MAX_DEPTH``.

    Aliases are how a few hundred bytes of YAML expand into gigabytes ("billion laughs"), and
    OpenSLO files have no need of them; refusing them at composition means nothing is expanded.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def fetch_flow_collection_start(self, token_class):
        # Checked while scanning: the scanner reads a flow collection ahead to its end before
        # releasing its tokens (a key may follow), at a cost growing with its depth.
        super().fetch_flow_collection_start(token_class)
        if self.flow_level > MAX_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.get_mark()
            )

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) are not accepted; write the value out",
                event.start_mark,
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested deeper than {MAX_DEPTH} levels",
                self.peek_event().start_mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass(frozen=True)
class Problem:
    line: int
    path: str
    message: str

    def __str__(self):
        where = f"line {self.line}: "
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class OpenSLOError(Exception):
    """The file cannot be imported; ``problems`` says where and why, in line order."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = sorted(problems, key=lambda p: (p.line, p.path))
        self.warnings = warnings or []
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def messages(self) -> list[str]:
        return [str(problem) for problem in self.problems]


class Reader:
    """Collects problems and warnings while walking the documents."""

    def __init__(self):
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, view: View, message: str) -> None:
        self.problems.append(Problem(view.line, view.path, message))

    def warn(self, view: View, message: str) -> None:
        self.warnings.append(Problem(view.line, view.path, message))


@dataclass
class View:
    """A YAML node with the path and line a message about it should name."""

    node: yaml.Node
    path: str
    line: int

    def child_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    @property
    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag.endswith(":null")

    @property
    def text(self) -> str | None:
        if isinstance(self.node, yaml.ScalarNode) and not self.is_null:
            return self.node.value
        return None


class Fields:
    """The keys of a mapping node, read with type checks that report where they failed."""

    def __init__(self, reader: Reader, view: View, known: tuple[str, ...] | None = None):
        self.reader = reader
        self.view = view
        self.children: dict[str, View] = {}
        for key_node, value_node in view.node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                # Never turned into text: a structured key could be as large as the file.
                reader.error(
                    View(key_node, view.path, key_node.start_mark.line + 1),
                    "a key must be a string, not a list or mapping",
                )
                continue
            key = key_node.value
            child = View(value_node, view.child_path(key), key_node.start_mark.line + 1)
            if key in self.children:
                reader.error(child, f"duplicate key (first on line {self.children[key].line})")
                continue
            self.children[key] = child
            if known is not None and key not in known:
                reader.warn(child, "unknown field, ignored")

    @classmethod
    def of(cls, reader, view: View | None, known=None) -> Fields | None:
        if view is None:
            return None
        if not isinstance(view.node, yaml.MappingNode):
            reader.error(view, "must be a mapping")
            return None
        return cls(reader, view, known)

    def get(self, key: str, *, required: bool = False) -> View | None:
        child = self.children.get(key)
        if child is not None and child.is_null:
            child = None
        if child is None and required:
            self.reader.error(
                View(self.view.node, self.view.child_path(key), self.view.line), "required"
            )
        return child

    def string(self, key: str, *, required: bool = False, max_length: int | None = None) -> str:
        child = self.get(key, required=required)
        if child is None:
            return ""
        if not isinstance(child.node, yaml.ScalarNode):
            self.reader.error(child, "must be a string")
            return ""
        value = child.text or ""
        if required and not value.strip():
            self.reader.error(child, "must not be empty")
        if max_length and len(value) > max_length:
            self.reader.error(child, f"at most {max_length} characters (got {len(value)})")
        return value

    def name(self, key: str, *, required: bool = True) -> str:
        value = self.string(key, required=required)
        if (value and not RFC1123_LABEL.match(value)) or len(value) > 63:
            self.reader.error(
                self.children[key],
                f"{value!r} is not an RFC 1123 label (lowercase letters, digits and '-', "
                "starting and ending with a letter or digit, at most 63 characters)",
            )
        return value

    def number(self, key: str, *, required: bool = False) -> Decimal | None:
        child = self.get(key, required=required)
        if child is None:
            return None
        tag = getattr(child.node, "tag", "")
        if not (tag.endswith(":int") or tag.endswith(":float")):
            self.reader.error(child, f"must be a number (got {child.text!r})")
            return None
        try:
            value = Decimal(child.node.value.replace("_", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.reader.error(child, f"must be a finite number (got {child.node.value})")
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        child = self.get(key)
        if child is None:
            return None
        if not getattr(child.node, "tag", "").endswith(":bool"):
            self.reader.error(child, f"must be true or false (got {child.text!r})")
            return None
        return child.node.value.lower() in ("true", "yes", "on")

    def mapping(self, key: str, known=None, *, required: bool = False) -> Fields | None:
        return Fields.of(self.reader, self.get(key, required=required), known)

    def sequence(self, key: str, *, required: bool = False) -> list[View] | None:
        child = self.get(key, required=required)
        if child is None:
            return None
        if not isinstance(child.node, yaml.SequenceNode):
            self.reader.error(child, "must be a list")
            return None
        return [
            View(item, f"{child.path}[{index}]", item.start_mark.line + 1)
            for index, item in enumerate(child.node.value)
        ]
