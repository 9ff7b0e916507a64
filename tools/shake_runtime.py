"""Drop the parts of Transcrypt's runtime that the compiled SDK never reaches.

Transcrypt's runtime module is ~70 KB of ES code whose top level is full of side effects
(`Array.prototype.x = ...`, exception classes built at load), so esbuild cannot tree-shake it.
This step does what esbuild cannot: it splits the runtime into top-level statements, starts from
the identifiers and property names that the SDK's own modules use, and keeps only the statements
reachable from them. It also narrows each module's runtime import to the names it uses, so the
bundle stays one ES module graph that esbuild can still check.

It works on the shape Transcrypt 3.9.5 emits (one top-level statement starts at column 0, bodies
are indented); the version is pinned in pyproject.toml and tests/unit/test_shake_runtime.py checks
the split against the real runtime.
"""
import re
import sys
from pathlib import Path

RUNTIME = 'org.transcrypt.__runtime__.js'
IDENT = re.compile(r'[A-Za-z_$][\w$]*')
IMPORT_RUNTIME = re.compile(r"^import \{([^}]*)\} from '\./org\.transcrypt\.__runtime__\.js';$", re.M)
DEFINES = re.compile(r'^(?:export )?(?:var|let|const|function\*?|class)\s*([A-Za-z_$][\w$]*)')
PROTO_ASSIGN = re.compile(r'^[A-Za-z_$][\w$]*\.prototype\.([A-Za-z_$][\w$]*)\s*=')
PROTO_DEFINE = re.compile(r"^(?:Object\.defineProperty|__method__)\s*\(\s*[A-Za-z_$][\w$]*\.prototype,\s*'([A-Za-z_$][\w$]*)'")
PROTO_SETPROP = re.compile(r"^__setproperty__\s*\(\s*[A-Za-z_$][\w$]*\.prototype,\s*'([A-Za-z_$][\w$]*)'")
# Runtime definitions replaced by lean ones. The SDK treats every mapping as a plain JS object
# (pages hand it plain objects anyway), so a dict literal compiles to `dict ({...})` and stays the
# object itself; xng/core/values.py gives the few operations the SDK needs on such objects.
OVERRIDES = {
    'dict': 'export function dict (objectLiteral) {return objectLiteral;}',
    # The SDK calls len() on strings and arrays only (values.keys_of counts an object's keys).
    'len': 'export function len (sized) {return sized.length;}',
    # min() of numbers only.
    'min': 'export function min (...numbers) {return Math.min (...numbers);}',
}
# Prototype methods replaced the same way: slices with step 1 (the SDK uses no extended slices),
# and startswith with one prefix. Python's bounds rules for such slices are JavaScript's slice().
PROTO_OVERRIDES = {
    ('Array', '__getslice__'): 'Array.prototype.__getslice__ = function (start, stop) {return this.slice (start || 0, stop == null ? this.length : stop);};',
    ('String', '__getslice__'): 'String.prototype.__getslice__ = function (start, stop) {return this.slice (start || 0, stop == null ? this.length : stop);};',
    ('String', 'startswith'): 'String.prototype.startswith = function (prefix) {return this.startsWith (prefix);};',
}
IMPORTS = re.compile(r'^import\s*\{[^}]*?(?:\sas\s+)?([A-Za-z_$][\w$]*)\s*\}\s*from')
OWNED_ASSIGN = re.compile(r'^([A-Za-z_$][\w$]*)\.[A-Za-z_$][\w$.]*\s*=')


def split_statements(source):
    """Split ES source into top-level statements: each starts at a column-0 line that is not a closer."""
    chunks, current = [], []
    for line in source.split('\n'):
        starts = line[:1] not in ('', ' ', '\t', '}', ')', ']') and not line.startswith('//')
        if starts and current and _closed(current):
            chunks.append('\n'.join(current))
            current = []
        current.append(line)
    if current:
        chunks.append('\n'.join(current))
    return chunks


def _closed(lines):
    """A statement is complete when its brackets balance (strings and comments are rare enough here)."""
    text = '\n'.join(_strip_comment(line) for line in lines)
    text = re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", text)
    return all(text.count(a) == text.count(b) for a, b in ('{}', '()', '[]'))


def _strip_comment(line):
    return '' if line.lstrip().startswith('//') else line


def classify(chunk):
    """Return (kind, key) for a statement: ('defines', name), ('proto', prop), ('owned', name) or ('keep', None)."""
    code = '\n'.join(line for line in chunk.split('\n') if not line.startswith('//')).strip()
    for pattern, kind in ((IMPORTS, 'defines'), (DEFINES, 'defines'), (PROTO_ASSIGN, 'proto'), (PROTO_SETPROP, 'proto'), (PROTO_DEFINE, 'proto'), (OWNED_ASSIGN, 'owned')):
        match = pattern.match(code)
        if match:
            return kind, match.group(1)
    return ('keep', None) if code else ('drop', None)


STRING_OR_COMMENT = re.compile(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|//[^\n]*|/\*.*?\*/", re.S)
WORD = re.compile(r'(\.\s*)?([A-Za-z_$][\w$]*)')


PROTO_PREFIX = re.compile(r'^([A-Za-z_$][\w$]*)\.prototype\.([A-Za-z_$][\w$]*)\s*=\s*')


METHOD_HELPER = ('function __method__ (prototype, name, value) '
                 '{Object.defineProperty (prototype, name, {value: value, writable: true, configurable: true});}')


def non_enumerable(chunk):
    """`X.prototype.m = f;` -> defineProperty: a host page's for...in over its arrays must not see `m`."""
    match = PROTO_PREFIX.match(chunk)
    if not match:
        return chunk
    value = chunk[match.end():].rstrip().rstrip(';')
    return "__method__ (%s.prototype, '%s', %s);" % (match.group(1), match.group(2), value)


def tokens(code):
    """Names a piece of code uses: bare identifiers as-is, property accesses as '.name'."""
    found = set()
    for dot, name in WORD.findall(STRING_OR_COMMENT.sub("''", code)):
        found.add('.' + name if dot else name)
    return found


def shake(runtime_source, roots, explain=False):
    """Keep the runtime statements reachable from the identifier set `roots`; return the new source."""
    chunks = split_statements(runtime_source)
    kinds = [classify(chunk) for chunk in chunks]
    for index, (kind, key) in enumerate(kinds):
        owner = chunks[index].split('.', 1)[0]
        if kind == 'proto' and (owner, key) in PROTO_OVERRIDES:
            chunks[index] = PROTO_OVERRIDES[(owner, key)]
        elif key in OVERRIDES and kind == 'defines':
            chunks[index] = OVERRIDES[key]
        elif key in OVERRIDES and kind == 'owned':
            kinds[index] = ('drop', None)
    kept = [kind == 'keep' for kind, _ in kinds]
    seen = set(roots)
    for index, chunk in enumerate(chunks):
        if kept[index]:
            seen |= tokens(chunk)
    changed = True
    reasons = {}
    while changed:
        changed = False
        for index, (kind, key) in enumerate(kinds):
            wanted = ('.' + key) if kind == 'proto' else key
            if kept[index] or kind in ('keep', 'drop') or wanted not in seen:
                continue
            kept[index] = True
            for token in tokens(chunks[index]) - seen:
                reasons[token] = key
            seen |= tokens(chunks[index])
            changed = True
            if explain:
                print('keeps %-8s %-22s (needed by %s)' % (kind, key, reasons.get(wanted, 'the SDK')))
    exported = {key for (kind, key), keep in zip(kinds, kept) if keep and kind == 'defines'}
    body = '\n'.join(non_enumerable(chunk) if kind == 'proto' else chunk
                     for chunk, (kind, _), keep in zip(chunks, kinds, kept) if keep)
    if '__method__ (' in body:
        body = METHOD_HELPER + '\n' + body
    return body, exported


def module_roots(module_source):
    """Identifiers a compiled module uses, its own runtime import line left out."""
    return tokens(IMPORT_RUNTIME.sub('', module_source))


def narrow_import(module_source, available):
    """Rewrite a module's runtime import to the names it uses; the line count stays the same for its source map."""
    used = module_roots(module_source)

    def narrowed(match):
        names = [name.strip() for name in match.group(1).split(',')]
        keep = [name for name in names if name in used and name in available]
        return "import {%s} from './%s';" % (', '.join(keep), RUNTIME) if keep else '// no runtime import'

    return IMPORT_RUNTIME.sub(narrowed, module_source)


def shake_target(target_dir, explain=False):
    """Shake the runtime in a Transcrypt __target__ folder in place; return (before, after) sizes."""
    target = Path(target_dir)
    runtime_path = target / RUNTIME
    modules = [path for path in sorted(target.glob('*.js')) if path.name != RUNTIME]
    roots = set()
    for path in modules:
        roots |= module_roots(path.read_text())
    before = runtime_path.read_text()
    after, exported = shake(re.sub(r'\n//# sourceMappingURL=.*$', '', before), roots, explain)
    runtime_path.write_text(after + '\n')
    for path in modules:
        path.write_text(narrow_import(path.read_text(), exported))
    return len(before), len(after)


if __name__ == '__main__':
    # `python tools/shake_runtime.py DIR --why` shakes a copy of a __target__ and says why each part stays.
    print('runtime: %d -> %d bytes' % shake_target(sys.argv[1], '--why' in sys.argv))
