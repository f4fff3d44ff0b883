"""Jinja templates with their constant texts translated once, when a template is compiled.

A template's `_("Continue")` asks the catalog on every page for a text that never changes; a
per-language environment can ask once, at compile time, and print the translation as template
data. `ConstantGettextFolder` replaces such calls in a parsed template by what the call would
have returned at run time, so the page is the same byte for byte (tests/test_web_rendering.py,
tests/test_console_rendering.py). Calls with a text known only at run time, or with * / **
arguments, are left as they are.

What a call returns differs by site: the public site's `_` is Jinja's new-style i18n gettext
(the translation marked safe when autoescaping, always %-formatted), the console's a plain
translator (a str, escaped when printed, %-formatted only with parameters); the folder is told which.
"""
from __future__ import annotations

import gettext as _gettext

from jinja2 import nodes
from jinja2.visitor import NodeTransformer

from i18n.tibetan import has_particle


class ConstantGettextFolder(NodeTransformer):
    """`marked_safe`: the call returns the translation marked safe (Jinja's i18n extension), else a
    str that is escaped when printed. `formats_bare`: a call without parameters formats its text
    too ("%%" becomes "%"). `agree`: the name of a global that formats a Tibetan translation whose
    case particles follow a placeholder (None: no such translations here)."""

    def __init__(self, catalog: _gettext.NullTranslations, *, marked_safe: bool, formats_bare: bool,
                 agree: str | None = None) -> None:
        self.catalog = catalog
        self.marked_safe = marked_safe
        self.formats_bare = formats_bare
        self.agree = agree

    def _text(self, text: str, lineno: int) -> nodes.Expr:
        constant = nodes.Const(text, lineno=lineno)
        return nodes.MarkSafeIfAutoescape(constant, lineno=lineno) if self.marked_safe else constant

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name == "_" and len(node.args) == 1
                and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
                and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        text = self.catalog.gettext(node.args[0].value)
        lineno = node.lineno
        if node.kwargs:
            pairs = [nodes.Pair(nodes.Const(kw.key, lineno=lineno), kw.value, lineno=lineno) for kw in node.kwargs]
            if self.agree and has_particle(text):
                return nodes.Call(nodes.Name(self.agree, "load", lineno=lineno),
                                  [nodes.Const(text, lineno=lineno), nodes.Dict(pairs, lineno=lineno)], [], None, None, lineno=lineno)
            return nodes.Mod(self._text(text, lineno), nodes.Dict(pairs, lineno=lineno), lineno=lineno)
        if self.formats_bare:
            try:
                text = text % {}  # new-style gettext always formats: "%%" becomes "%"
            except (KeyError, ValueError, TypeError):
                return node  # a broken translation fails at run time, as before
        return self._text(text, lineno)
